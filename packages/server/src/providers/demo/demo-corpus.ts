/**
 * Source text for the demo model's word-level Markov chain, written for Tollgate.
 *
 * The demo upstream recombines these sentences, so the replies stay on topic (gateways, metering,
 * tokens) while never being a copy of anything outside this file. Paragraphs are separated by blank
 * lines; the chain treats the whole text as one stream of whitespace-separated words.
 */
export const DEMO_CORPUS = `
A gateway sits between the applications that ask questions and the models that answer them. Every
request passes through the gateway on its way out, and every response passes through it on its way
back. That position makes the gateway the natural place to count, to route and to keep records.
When a provider is slow, the gateway can try another provider. When a key runs out of credit, the
gateway can refuse the request before any money is spent.

Metering is the quiet part of the job. The gateway counts the tokens in every prompt and in every
completion, multiplies them by a price, and writes the result to a ledger. A ledger that drops a
record is worse than no ledger at all, so the gateway writes each record before it sends the last
byte of the response. The numbers in the ledger are integers, because money should never be
rounded twice.

Tokens are the unit that providers sell. A token is not a word and not a character; it is whatever
piece of text the tokenizer of the provider decides to cut. Two providers can count the same
sentence differently, and both can be right. The gateway trusts the count that the provider
reports, and it keeps its own estimate only to check that the reported count is plausible.

Streaming makes every part of the job harder. The response arrives in small chunks, the client may
leave at any moment, and the usage numbers often come last. A careful gateway forwards each chunk
as soon as it arrives, notices when the client disconnects, and still records what was generated
up to that point. Nothing in the stream is allowed to block the next chunk for long.

A key is a promise that somebody will pay. The gateway checks the key, reserves enough credit for
the longest possible answer, and releases what was not used once the response is complete. Limits
protect the provider from bursts and protect the owner of the key from surprises.

This demo model does none of the hard work of a real model. It strings words together from a few
paragraphs about gateways, so the text it writes may wander, repeat itself or make little sense.
What it does do is speak the same protocol as a real provider, report honest usage numbers, and
let you watch the gateway route, stream and meter a request from end to end.
`;
