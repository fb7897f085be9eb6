/**
 * Colours come from other participants' presence and end up in style attributes; only plain
 * colour values pass, so that a crafted one cannot smuggle in other CSS (a `url()` fetch, an
 * overlay hiding the PIN).
 */
const SAFE_COLOR = /^(#[0-9a-f]{3,8}|(rgb|rgba|hsl|hsla)\(\s*[-\d.%\s,/deg]+\)|[a-z]{3,20})$/i;

/** Grey, for a participant whose colour is not a plain colour value. */
export const FALLBACK_COLOR = '#6b7280';

/** `value` if it is a plain CSS colour, else `fallback`. */
export function safeColor(value: unknown, fallback: string = FALLBACK_COLOR): string {
  return typeof value === 'string' && value.length <= 64 && SAFE_COLOR.test(value.trim())
    ? value.trim()
    : fallback;
}
