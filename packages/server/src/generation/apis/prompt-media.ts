/** Counts of media parts in chat messages: images and files (media), images alone, audio. */
export function countPromptMedia(messages: readonly { content?: unknown }[]): {
  media: number;
  images: number;
  audio: number;
} {
  let media = 0;
  let images = 0;
  let audio = 0;
  for (const message of messages) {
    if (!Array.isArray(message.content)) continue;
    for (const part of message.content as { type?: unknown }[]) {
      if (part.type === 'input_audio') audio += 1;
      else if (part.type === 'image_url' || part.type === 'input_image') {
        media += 1;
        images += 1;
      } else if (part.type === 'file') media += 1;
    }
  }
  return { media, images, audio };
}
