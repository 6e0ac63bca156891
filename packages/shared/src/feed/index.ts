/** The CMS feed: a Redis stream of stable-id items the CMS reads with a cursor, and the signature of webhook deliveries. */
export { createFeed, FeedCursorError, type Feed, type FeedItem, type FeedEntry, type FeedOptions } from './feed.js';
export { signPayload, verifySignature, SIGNATURE_HEADER, DEFAULT_SIGNATURE_TOLERANCE_SEC } from './webhook-signature.js';
