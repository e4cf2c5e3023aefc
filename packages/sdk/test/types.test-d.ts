/**
 * Type tests, checked by `tsc` (npm run typecheck) and never run: the models are derived from
 * the protocol's wire types, and wrong usage is a compile error (each `@ts-expect-error` fails
 * the type-check if the line below it ever compiles).
 */
import type { GenerationRecord } from '@tollgate/protocol';
import {
  type ApiError,
  type CamelCased,
  type ChatStreamChunk,
  chatSend,
  type EventStream,
  type GetGenerationResponseBody,
  generationsGetGeneration,
  type Result,
  type SdkError,
  type SnakeToCamel,
  type Tollgate,
  type TollgateCore,
} from '../src/index.js';
import {
  buildGenerationsGetGenerationQuery,
  useGenerationsGetGeneration,
  useProvidersList,
} from '../src/react-query/index.js';

/** Compiles only when A and B are the same type. */
type Equal<A, B> =
  (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
function expectType<T extends true>(_proof?: T): void {}

// Key conversion at the type level.
expectType<Equal<SnakeToCamel<'native_tokens_prompt'>, 'nativeTokensPrompt'>>();
expectType<Equal<SnakeToCamel<'uptime_last_30m'>, 'uptimeLast30m'>>();
expectType<Equal<SnakeToCamel<'id'>, 'id'>>();

// The generation model is the protocol's record, camelCased: same fields, same value types.
type Data = GetGenerationResponseBody['data'];
expectType<Equal<Data['totalCost'], GenerationRecord['total_cost']>>();
expectType<Equal<Data['nativeTokensPrompt'], number | null>>();
expectType<Equal<Data, CamelCased<GenerationRecord>>>();
expectType<Equal<keyof Data, SnakeToCamel<keyof GenerationRecord>>>();

declare const core: TollgateCore;
declare const client: Tollgate;

async function usage() {
  const result = await generationsGetGeneration(core, { id: 'gen-1' });
  expectType<Equal<typeof result, Result<GetGenerationResponseBody, SdkError>>>();
  if (result.ok) {
    const cost: number = result.value.data.totalCost;
    // @ts-expect-error the snake_case wire name does not exist on the model
    result.value.data.total_cost;
    void cost;
  } else {
    const error: SdkError = result.error;
    if ('status' in error) {
      const status: number = error.status;
      void status;
    }
  }

  // @ts-expect-error `id` is required
  await generationsGetGeneration(core, {});
  // @ts-expect-error `id` is a string
  await generationsGetGeneration(core, { id: 42 });

  // Streams are typed by the `stream` flag.
  const stream = await client.chat.send({ model: 'm', messages: [], stream: true });
  expectType<Equal<typeof stream, EventStream<ChatStreamChunk>>>();
  const completion = await client.chat.send({
    model: 'm',
    messages: [{ role: 'user', content: 'hi' }],
  });
  const finish: string | null | undefined = completion.choices[0]?.finishReason;
  void finish;
  // @ts-expect-error a non-stream completion is not iterable
  for await (const _chunk of completion) void _chunk;
  // @ts-expect-error an unknown role is rejected
  await chatSend(core, { model: 'm', messages: [{ role: 'wizard', content: 'x' }] });
  // @ts-expect-error `model` is required
  await chatSend(core, { messages: [] });
  // camelCase request fields are typed from the wire's snake_case ones.
  await chatSend(core, { model: 'm', messages: [], maxTokens: 5 });
  // @ts-expect-error `maxTokens` is a number
  await chatSend(core, { model: 'm', messages: [], maxTokens: 'five' });

  // @ts-expect-error apiKeys.create needs a name
  await client.apiKeys.create({ limit: 5 });
  // @ts-expect-error limitReset is a closed set
  await client.apiKeys.create({ name: 'k', limitReset: 'hourly' });
  // @ts-expect-error models.get needs author and slug
  await client.models.get({ id: 'a/b' });

  const error = {} as ApiError;
  const generationId: string | null = error.generationId;
  void generationId;
}

function Hooks() {
  const query = useGenerationsGetGeneration({ id: 'gen-1' });
  const cost: number | undefined = query.data?.data.totalCost;
  const providers = useProvidersList();
  const names: string[] | undefined = providers.data?.data.map((provider) => provider.name);
  // @ts-expect-error the hook needs its request
  useGenerationsGetGeneration();
  const options = buildGenerationsGetGenerationQuery(core, { id: 'gen-1' });
  expectType<Equal<(typeof options.queryKey)[0], '@tollgate/sdk'>>();
  return [cost, names];
}

void usage;
void Hooks;
