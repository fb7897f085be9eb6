/** A join link taken apart (DESIGN.md, step 2). */
export interface JoinLink {
  /** Base URL of the lobby, without the `/j/<id>` part and without the fragment. */
  lobbyUrl: string;
  sessionId: string;
  /** SHA-256 fingerprint of the host certificate, base64url. Never sent to the lobby. */
  fingerprint: string;
}

const SESSION_ID = /^[A-Za-z0-9_-]{22,64}$/;
const FINGERPRINT = /^[A-Za-z0-9_-]{43}$/;

/** A join link the user gave us cannot be used. */
export class InvalidLinkError extends Error {
  override name = 'InvalidLinkError';
}

/** Builds `<joinUrl>#<fingerprint>` from the lobby's join URL and the host certificate. */
export function formatJoinLink(joinUrl: string, fingerprint: string): string {
  return `${joinUrl}#${fingerprint}`;
}

/** Parses and checks a join link. Throws {@link InvalidLinkError} saying what is wrong. */
export function parseJoinLink(link: string): JoinLink {
  let url: URL;
  try {
    url = new URL(link.trim());
  } catch {
    throw new InvalidLinkError(
      `Not a join link: ${JSON.stringify(link.slice(0, 200))}. Paste the whole link the host gave you, in quotes.`,
    );
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new InvalidLinkError(`A join link starts with http:// or https://, not ${url.protocol}`);
  }
  const match = /^(.*)\/j\/([^/]+)\/?$/.exec(url.pathname);
  if (!match || !SESSION_ID.test(match[2]!)) {
    throw new InvalidLinkError(
      'The link has no valid session id (…/j/<id>#<fingerprint>); copy the whole link again.',
    );
  }
  const fingerprint = url.hash.slice(1);
  if (!FINGERPRINT.test(fingerprint)) {
    throw new InvalidLinkError(
      'The link has no valid host fingerprint after "#": it may have been cut off. ' +
        'Without it the host cannot be verified; copy the whole link again.',
    );
  }
  return { lobbyUrl: `${url.origin}${match[1]!}`, sessionId: match[2]!, fingerprint };
}
