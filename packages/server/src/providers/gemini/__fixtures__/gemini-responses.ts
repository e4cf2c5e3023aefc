/*
 * Gemini API (generativelanguage v1beta) bodies for tests. These are NOT recorded from the live
 * API: no network access to Google was possible where they were written. They are shaped after
 * the examples and field references in Google's documentation (`models.generateContent`,
 * `models.streamGenerateContent?alt=sse`, `UsageMetadata`, thought signatures, error model) —
 * key names, casing, nesting and which fields appear together follow those documents; texts,
 * ids, signatures and token counts are made up. Replace them with trimmed live recordings
 * when a key is at hand.
 */

/** A plain text answer (`STOP`), no thinking. */
export const textResponse = {
  candidates: [
    {
      content: { parts: [{ text: 'Hello! How can I help you today?' }], role: 'model' },
      finishReason: 'STOP',
      avgLogprobs: -0.0421,
      index: 0,
    },
  ],
  usageMetadata: {
    promptTokenCount: 8,
    candidatesTokenCount: 9,
    totalTokenCount: 17,
    promptTokensDetails: [{ modality: 'TEXT', tokenCount: 8 }],
    candidatesTokensDetails: [{ modality: 'TEXT', tokenCount: 9 }],
  },
  modelVersion: 'gemini-2.0-flash',
  responseId: 'kVpXaL3nBsWk1MkP0Ib5qAM',
};

/** A thinking model calling a function; the call carries its thought signature. */
export const functionCallResponse = {
  candidates: [
    {
      content: {
        parts: [
          {
            functionCall: { name: 'get_weather', args: { location: 'Paris', unit: 'celsius' } },
            thoughtSignature: 'CiQB0e2Kb7bTq1rXhP0vX0yZr3YQ4kq3w4mVZbE9mKc7uH1mQjYKZgHR7Yp2',
          },
          { functionCall: { name: 'get_time', args: { timezone: 'Europe/Paris' } } },
        ],
        role: 'model',
      },
      finishReason: 'STOP',
      index: 0,
    },
  ],
  usageMetadata: {
    promptTokenCount: 96,
    candidatesTokenCount: 31,
    totalTokenCount: 211,
    promptTokensDetails: [{ modality: 'TEXT', tokenCount: 96 }],
    thoughtsTokenCount: 84,
  },
  modelVersion: 'gemini-2.5-flash',
  responseId: 'vFpXaMzGJ8ak1MkPq9PxkAg',
};

/** `includeThoughts: true`: a thought summary part, then the answer. */
export const thoughtsResponse = {
  candidates: [
    {
      content: {
        parts: [
          {
            text: '**Weighing the options**\n\nThe user wants a prime above 100; 101 qualifies.\n',
            thought: true,
          },
          { text: '101 is the smallest prime greater than 100.' },
        ],
        role: 'model',
      },
      finishReason: 'STOP',
      index: 0,
    },
  ],
  usageMetadata: {
    promptTokenCount: 14,
    candidatesTokenCount: 12,
    totalTokenCount: 338,
    promptTokensDetails: [{ modality: 'TEXT', tokenCount: 14 }],
    thoughtsTokenCount: 312,
  },
  modelVersion: 'gemini-2.5-pro',
  responseId: 'y1pXaIfUJv-n1MkP4tCJmA0',
};

/** Implicit caching hit: `cachedContentTokenCount` is part of `promptTokenCount`. */
export const cachedResponse = {
  candidates: [
    {
      content: { parts: [{ text: 'The contract renews on 1 March.' }], role: 'model' },
      finishReason: 'STOP',
      index: 0,
    },
  ],
  usageMetadata: {
    promptTokenCount: 2048,
    candidatesTokenCount: 9,
    totalTokenCount: 2057,
    cachedContentTokenCount: 1536,
    promptTokensDetails: [{ modality: 'TEXT', tokenCount: 2048 }],
    cacheTokensDetails: [{ modality: 'TEXT', tokenCount: 1536 }],
  },
  modelVersion: 'gemini-2.5-flash',
  responseId: 'AltXaP6dHtSk1MkPyZbYmQ4',
};

/** Cached prompt tokens and thinking in one answer: 2000 prompt (1500 cached), 100 + 300 out. */
export const cachedThinkingResponse = {
  candidates: [
    {
      content: { parts: [{ text: 'Section 4.2 caps liability at twelve months of fees.' }] },
      finishReason: 'STOP',
      index: 0,
    },
  ],
  usageMetadata: {
    promptTokenCount: 2000,
    candidatesTokenCount: 100,
    totalTokenCount: 2400,
    cachedContentTokenCount: 1500,
    promptTokensDetails: [{ modality: 'TEXT', tokenCount: 2000 }],
    cacheTokensDetails: [{ modality: 'TEXT', tokenCount: 1500 }],
    thoughtsTokenCount: 300,
  },
  modelVersion: 'gemini-2.5-pro',
  responseId: 'EltXaKqWLpak1MkP7vHZqQk',
};

/** The output budget ran out (here during thinking: no parts at all). */
export const maxTokensResponse = {
  candidates: [{ content: { role: 'model' }, finishReason: 'MAX_TOKENS', index: 0 }],
  usageMetadata: {
    promptTokenCount: 11,
    totalTokenCount: 75,
    promptTokensDetails: [{ modality: 'TEXT', tokenCount: 11 }],
    thoughtsTokenCount: 64,
  },
  modelVersion: 'gemini-2.5-flash',
  responseId: 'H1tXaN3VLc-k1MkPk7f5sA0',
};

/** The prompt itself was blocked: no candidates, only `promptFeedback`. */
export const blockedPromptResponse = {
  promptFeedback: { blockReason: 'PROHIBITED_CONTENT' },
  usageMetadata: {
    promptTokenCount: 12,
    totalTokenCount: 12,
    promptTokensDetails: [{ modality: 'TEXT', tokenCount: 12 }],
  },
  modelVersion: 'gemini-2.5-flash',
  responseId: 'KFtXaO_DMtWk1MkPpabcoQs',
};

/**
 * `streamGenerateContent?alt=sse`: each event a whole response with the new parts; usage in
 * every event, cumulative, complete in the last; `finishReason` only in the last. No `[DONE]`.
 */
export const streamEvents = [
  {
    candidates: [
      {
        content: { parts: [{ text: 'Counting primes first.', thought: true }], role: 'model' },
        index: 0,
      },
    ],
    usageMetadata: { promptTokenCount: 2000, totalTokenCount: 2000, cachedContentTokenCount: 1500 },
    modelVersion: 'gemini-2.5-pro',
    responseId: 'UVtXaJ3mOeWk1MkP8Y2XsQ0',
  },
  {
    candidates: [
      { content: { parts: [{ text: 'The first three primes' }], role: 'model' }, index: 0 },
    ],
    usageMetadata: {
      promptTokenCount: 2000,
      candidatesTokenCount: 4,
      totalTokenCount: 2304,
      cachedContentTokenCount: 1500,
      thoughtsTokenCount: 300,
    },
    modelVersion: 'gemini-2.5-pro',
    responseId: 'UVtXaJ3mOeWk1MkP8Y2XsQ0',
  },
  {
    candidates: [
      {
        content: { parts: [{ text: ' are 2, 3 and 5.' }], role: 'model' },
        finishReason: 'STOP',
        index: 0,
      },
    ],
    usageMetadata: {
      promptTokenCount: 2000,
      candidatesTokenCount: 100,
      totalTokenCount: 2400,
      cachedContentTokenCount: 1500,
      promptTokensDetails: [{ modality: 'TEXT', tokenCount: 2000 }],
      cacheTokensDetails: [{ modality: 'TEXT', tokenCount: 1500 }],
      thoughtsTokenCount: 300,
    },
    modelVersion: 'gemini-2.5-pro',
    responseId: 'UVtXaJ3mOeWk1MkP8Y2XsQ0',
  },
];

/** A streamed function call: the call arrives whole, then an empty `STOP` event with usage. */
export const streamToolCallEvents = [
  {
    candidates: [
      {
        content: {
          parts: [
            {
              functionCall: { name: 'get_weather', args: { location: 'Paris' } },
              thoughtSignature: 'CiQB0e2Kb3NpZ25hdHVyZS1zdHJlYW0tMDAx',
            },
          ],
          role: 'model',
        },
        index: 0,
      },
    ],
    usageMetadata: { promptTokenCount: 58, totalTokenCount: 58 },
    modelVersion: 'gemini-2.5-flash',
    responseId: 'ZFtXaK7mHcSk1MkPzNHtsQ8',
  },
  {
    candidates: [
      { content: { parts: [{ text: '' }], role: 'model' }, finishReason: 'STOP', index: 0 },
    ],
    usageMetadata: {
      promptTokenCount: 58,
      candidatesTokenCount: 15,
      totalTokenCount: 121,
      thoughtsTokenCount: 48,
    },
    modelVersion: 'gemini-2.5-flash',
    responseId: 'ZFtXaK7mHcSk1MkPzNHtsQ8',
  },
];

/** 400 for a bad request. */
export const invalidArgumentError = {
  error: {
    code: 400,
    message: '* GenerateContentRequest.contents: contents is not specified\n',
    status: 'INVALID_ARGUMENT',
  },
};

/** 400 for a rejected API key (Google does not answer 401 for it). */
export const invalidKeyError = {
  error: {
    code: 400,
    message: 'API key not valid. Please pass a valid API key.',
    status: 'INVALID_ARGUMENT',
    details: [
      {
        '@type': 'type.googleapis.com/google.rpc.ErrorInfo',
        reason: 'API_KEY_INVALID',
        domain: 'googleapis.com',
        metadata: { service: 'generativelanguage.googleapis.com' },
      },
      {
        '@type': 'type.googleapis.com/google.rpc.LocalizedMessage',
        locale: 'en-US',
        message: 'API key not valid. Please pass a valid API key.',
      },
    ],
  },
};

/** 429 with the wait in `RetryInfo` (Google sends no `retry-after` header). */
export const quotaExceededError = {
  error: {
    code: 429,
    message:
      'You exceeded your current quota, please check your plan and billing details. For more information on this error, head to: https://ai.google.dev/gemini-api/docs/rate-limits.',
    status: 'RESOURCE_EXHAUSTED',
    details: [
      {
        '@type': 'type.googleapis.com/google.rpc.QuotaFailure',
        violations: [
          {
            quotaMetric: 'generativelanguage.googleapis.com/generate_content_free_tier_requests',
            quotaId: 'GenerateRequestsPerMinutePerProjectPerModel-FreeTier',
            quotaDimensions: { location: 'global', model: 'gemini-2.5-flash' },
            quotaValue: '10',
          },
        ],
      },
      {
        '@type': 'type.googleapis.com/google.rpc.Help',
        links: [
          {
            description: 'Learn more about Gemini API quotas',
            url: 'https://ai.google.dev/gemini-api/docs/rate-limits',
          },
        ],
      },
      { '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: '36.5s' },
    ],
  },
};

/** 503 when the model is overloaded. */
export const overloadedError = {
  error: {
    code: 503,
    message: 'The model is overloaded. Please try again later.',
    status: 'UNAVAILABLE',
  },
};
