import { z } from 'zod';

/*
 * The shapes of Google's Gemini API (generativelanguage v1beta, `models.generateContent` and
 * `models.streamGenerateContent`). Responses are zod schemas holding only the fields Tollgate
 * reads (extra keys are kept and ignored, so fields Google adds do not break parsing); requests
 * are plain types, since Tollgate builds them itself.
 */

/** A `functionCall` part: the model calling a client tool (Gemini gives it no id of its own). */
export const GeminiFunctionCallSchema = z.looseObject({
  name: z.string(),
  args: z.record(z.string(), z.unknown()).nullish(),
});

/** One part of a response candidate's content. */
export const GeminiResponsePartSchema = z.looseObject({
  text: z.string().nullish(),
  /** Marks a thought summary (sent when `thinkingConfig.includeThoughts` is on). */
  thought: z.boolean().nullish(),
  /** Opaque signature of the model's reasoning, to be sent back with the part it came on. */
  thoughtSignature: z.string().nullish(),
  functionCall: GeminiFunctionCallSchema.nullish(),
});

/** One part of a response candidate's content. */
export type GeminiResponsePart = z.infer<typeof GeminiResponsePartSchema>;

/** One response candidate (Tollgate asks for one). */
export const GeminiCandidateSchema = z.looseObject({
  content: z.looseObject({ parts: z.array(GeminiResponsePartSchema).nullish() }).nullish(),
  finishReason: z.string().nullish(),
  index: z.int().nonnegative().nullish(),
});

/** One response candidate. */
export type GeminiCandidate = z.infer<typeof GeminiCandidateSchema>;

const tokenCount = z.int().nonnegative().nullish();

/** Token counts per modality (`TEXT`, `IMAGE`, `AUDIO`, `VIDEO`, `DOCUMENT`). */
const ModalityTokenCountsSchema = z
  .array(z.looseObject({ modality: z.string().nullish(), tokenCount: tokenCount }))
  .nullish();

/**
 * `usageMetadata`. `promptTokenCount` includes `cachedContentTokenCount`; candidates, thoughts
 * and tool-use prompt tokens are each counted apart.
 */
export const GeminiUsageMetadataSchema = z.looseObject({
  promptTokenCount: tokenCount,
  cachedContentTokenCount: tokenCount,
  candidatesTokenCount: tokenCount,
  thoughtsTokenCount: tokenCount,
  toolUsePromptTokenCount: tokenCount,
  totalTokenCount: tokenCount,
  promptTokensDetails: ModalityTokenCountsSchema,
  candidatesTokensDetails: ModalityTokenCountsSchema,
});

/** `usageMetadata`. */
export type GeminiUsageMetadata = z.infer<typeof GeminiUsageMetadataSchema>;

/** A `GenerateContentResponse`: the whole non-stream body, or one stream event. */
export const GeminiResponseSchema = z.looseObject({
  candidates: z.array(GeminiCandidateSchema).nullish(),
  promptFeedback: z.looseObject({ blockReason: z.string().nullish() }).nullish(),
  usageMetadata: GeminiUsageMetadataSchema.nullish(),
  modelVersion: z.string().nullish(),
  responseId: z.string().nullish(),
});

/** A `GenerateContentResponse`. */
export type GeminiResponse = z.infer<typeof GeminiResponseSchema>;

/** Google's error body: `{error: {code, message, status, details?}}`. */
export const GeminiErrorSchema = z.looseObject({
  error: z.looseObject({
    code: z.int().nullish(),
    message: z.string(),
    status: z.string().nullish(),
    details: z.array(z.looseObject({ '@type': z.string().nullish() })).nullish(),
  }),
});

/** The object inside Google's error body. */
export type GeminiErrorObject = z.infer<typeof GeminiErrorSchema>['error'];

/** A part of request content. */
export interface GeminiPart {
  text?: string;
  inlineData?: { mimeType: string; data: string };
  fileData?: { fileUri: string; mimeType?: string };
  functionCall?: { name: string; args: Record<string, unknown> };
  functionResponse?: { name: string; response: Record<string, unknown> };
  thoughtSignature?: string;
}

/** One turn of a request's `contents`. */
export interface GeminiContent {
  role: 'user' | 'model';
  parts: GeminiPart[];
}

/** `generationConfig` (only the fields Tollgate sets). */
export interface GeminiGenerationConfig {
  temperature?: number;
  topP?: number;
  topK?: number;
  maxOutputTokens?: number;
  stopSequences?: string[];
  seed?: number;
  responseMimeType?: string;
  responseJsonSchema?: unknown;
  thinkingConfig?: { includeThoughts?: boolean; thinkingBudget?: number };
}

/** A function the model may call, with its parameters as plain JSON Schema. */
export interface GeminiFunctionDeclaration {
  name: string;
  description?: string;
  parametersJsonSchema?: unknown;
}

/** `toolConfig.functionCallingConfig`. */
export interface GeminiFunctionCallingConfig {
  mode: 'AUTO' | 'ANY' | 'NONE';
  allowedFunctionNames?: string[];
}

/** A `GenerateContentRequest` body. */
export interface GeminiRequest {
  contents: GeminiContent[];
  systemInstruction?: { parts: GeminiPart[] };
  generationConfig?: GeminiGenerationConfig;
  tools?: Array<{ functionDeclarations: GeminiFunctionDeclaration[] }>;
  toolConfig?: { functionCallingConfig: GeminiFunctionCallingConfig };
}
