/** Base64 for Yjs payloads on the page socket (the agents use Node's standard alphabet). */

// String.fromCharCode takes its bytes as arguments; chunks keep big documents under the
// engine's argument limit.
const CHUNK = 0x8000;

/** Encodes bytes as standard base64. */
export function toBase64(bytes: Uint8Array): string {
  let binary = '';
  for (let i = 0; i < bytes.length; i += CHUNK) {
    binary += String.fromCharCode(...bytes.subarray(i, i + CHUNK));
  }
  return btoa(binary);
}

/** Decodes standard base64; throws a DOMException on malformed input. */
export function fromBase64(text: string): Uint8Array {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}
