/**
 * Deterministic varied prose of exactly `characters` characters, distinct per `seed`: the
 * tokenizer's merge cache cannot make counts of it trivial, and each seed is a different text.
 */
export function makeWords(characters: number, seed: number): string {
  let state = seed;
  const letters = 'abcdefghijklmnopqrstuvwxyz';
  let text = '';
  while (text.length < characters) {
    state = (state * 1_103_515_245 + 12_345) % 2_147_483_648;
    let word = '';
    for (let index = 0; index < 2 + (state % 9); index++) {
      word += letters[(state >> (index + 3)) % letters.length];
    }
    text += state % 13 === 0 ? `${word}.\n` : `${word} `;
  }
  return text.slice(0, characters);
}
