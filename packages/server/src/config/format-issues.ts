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

/** One line per issue: `path: message` (the root is called `root`). */
export function formatIssues(issues: readonly z.core.$ZodIssue[], root = 'root'): string[] {
  return issues.map((issue) => {
    const path = formatPath(issue.path);
    return `${path === '' ? root : path}: ${issue.message}`;
  });
}
