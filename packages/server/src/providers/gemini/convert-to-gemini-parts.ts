import type { ChatMessage } from '@tollgate/protocol';
import { z } from 'zod';
import { invalidRequestField, parseRequestField } from '../parse-request-field.js';
import type { GeminiPart } from './gemini-api-types.js';

const TextPartSchema = z.looseObject({ type: z.literal('text'), text: z.string() });

const ImageUrlPartSchema = z.looseObject({
  type: z.literal('image_url'),
  image_url: z.union([z.string(), z.looseObject({ url: z.string() })], {
    error: 'must be a URL string or an object with a string `url`',
  }),
});

const InputAudioPartSchema = z.looseObject({
  type: z.literal('input_audio'),
  input_audio: z.looseObject({ data: z.string().min(1), format: z.string().min(1) }),
});

/** OpenRouter's file part: `file_data` is a data: URL or an http(s) URL (PDFs and the like). */
const FilePartSchema = z.looseObject({
  type: z.literal('file'),
  file: z.looseObject({
    file_data: z.string({ error: 'needs `file_data` (a data: or http(s) URL)' }).min(1),
    filename: z.string().nullish(),
  }),
});

/** MIME types Gemini reads, by file extension, for URLs sent by reference. */
const MIME_BY_EXTENSION: Readonly<Record<string, string>> = {
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  webp: 'image/webp',
  gif: 'image/gif',
  heic: 'image/heic',
  heif: 'image/heif',
  pdf: 'application/pdf',
  txt: 'text/plain',
  mp3: 'audio/mp3',
  wav: 'audio/wav',
  mp4: 'video/mp4',
};

const DATA_URL = /^data:([^;,]+)((?:;[^;,]*)*?);base64,(.*)$/s;

function mimeFromName(name: string): string | undefined {
  const extension = /\.([A-Za-z0-9]+)$/.exec(name)?.[1]?.toLowerCase();
  return extension === undefined ? undefined : MIME_BY_EXTENSION[extension];
}

/**
 * A media reference as a Gemini part: a base64 data: URL is sent inline (`inlineData`), an
 * http(s) URL by reference (`fileData`, with a MIME type guessed from the name when it can be).
 */
export function convertMediaUrl(url: string, path: string, fileName?: string | null): GeminiPart {
  if (url.startsWith('data:')) {
    const match = DATA_URL.exec(url);
    if (match?.[1] === undefined || match[3] === undefined) {
      throw invalidRequestField(path, 'a data: URL must be base64-encoded with a MIME type');
    }
    return { inlineData: { mimeType: match[1], data: match[3] } };
  }
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw invalidRequestField(path, 'must be a data: URL or an http(s) URL');
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') {
    throw invalidRequestField(path, 'must be a data: URL or an http(s) URL');
  }
  const mimeType = mimeFromName(fileName ?? '') ?? mimeFromName(parsed.pathname);
  return { fileData: mimeType === undefined ? { fileUri: url } : { fileUri: url, mimeType } };
}

function convertPart(part: unknown, path: string): GeminiPart | null {
  const type = (part as { type?: unknown }).type;
  switch (type) {
    case 'text': {
      const { text } = parseRequestField(TextPartSchema, part, path);
      return text === '' ? null : { text };
    }
    case 'image_url': {
      const { image_url: image } = parseRequestField(ImageUrlPartSchema, part, path);
      return convertMediaUrl(typeof image === 'string' ? image : image.url, `${path}.image_url`);
    }
    case 'input_audio': {
      const { input_audio: audio } = parseRequestField(InputAudioPartSchema, part, path);
      return { inlineData: { mimeType: `audio/${audio.format}`, data: audio.data } };
    }
    case 'file': {
      const { file } = parseRequestField(FilePartSchema, part, path);
      return convertMediaUrl(file.file_data, `${path}.file.file_data`, file.filename);
    }
    default:
      throw invalidRequestField(
        `${path}.type`,
        `content part type ${JSON.stringify(type)} is not supported by this provider`,
      );
  }
}

/** A user message's content as Gemini parts (text, images, audio, files); empty text dropped. */
export function convertUserContent(content: ChatMessage['content'], path: string): GeminiPart[] {
  if (content === null || content === undefined) return [];
  if (typeof content === 'string') return content === '' ? [] : [{ text: content }];
  const parts: GeminiPart[] = [];
  content.forEach((part, index) => {
    const converted = convertPart(part, `${path}.content[${index}]`);
    if (converted !== null) parts.push(converted);
  });
  return parts;
}

/** The texts of a message that may only hold text (system, developer, assistant, tool). */
export function textsOfContent(content: ChatMessage['content'], path: string): string[] {
  if (content === null || content === undefined) return [];
  if (typeof content === 'string') return [content];
  return content.map((part, index) => {
    const partPath = `${path}.content[${index}]`;
    if (part.type !== 'text') {
      throw invalidRequestField(
        `${partPath}.type`,
        `only text parts are accepted in this message, got ${JSON.stringify(part.type)}`,
      );
    }
    return parseRequestField(TextPartSchema, part, partPath).text;
  });
}
