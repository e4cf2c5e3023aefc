import type { z } from 'zod';

/** Formats a zod path as `a.b[0].c`. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else out += out === '' ? String(segment) : `.${String(segment)}`;
  }
  return out;
}

/** Whether a union branch failed only because the value is of another type altogether. */
function isWrongType(branch: readonly z.core.$ZodIssue[]): boolean {
  return branch.every((issue) => issue.code === 'invalid_type' && issue.path.length === 0);
}

/**
 * A union's issue, replaced by the issues of the one branch the value was meant for (the only
 * branch that got past the value's type), so `content: [{type: "text"}]` is reported as
 * `content[0].text: …` rather than "not a string or an array".
 */
function unwrapUnions(issue: z.core.$ZodIssue): z.core.$ZodIssue[] {
  if (issue.code !== 'invalid_union' || issue.errors.length === 0) return [issue];
  const candidates = issue.errors.filter((branch) => !isWrongType(branch));
  const [branch] = candidates;
  if (candidates.length !== 1 || branch === undefined) return [issue];
  return branch.flatMap((inner) =>
    unwrapUnions({ ...inner, path: [...issue.path, ...inner.path] } as z.core.$ZodIssue),
  );
}

/** One line per issue: `path: message` (the root is called `root`). */
export function formatIssues(issues: readonly z.core.$ZodIssue[], root = 'root'): string[] {
  return issues.flatMap(unwrapUnions).map((issue) => {
    const path = formatPath(issue.path);
    return `${path === '' ? root : path}: ${issue.message}`;
  });
}
