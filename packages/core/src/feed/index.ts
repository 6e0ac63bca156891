/** The CMS feed: a Redis stream of stable-id items the CMS reads with a cursor, and the signature of webhook deliveries. */
export { createFeed, FeedCursorError, FeedCursorExpiredError, type Feed, type FeedItem, type FeedEntry, type FeedOptions, type FeedOutbox } from './feed.js';
export { signPayload, verifySignature, SIGNATURE_HEADER, DEFAULT_SIGNATURE_TOLERANCE_SEC } from './webhook-signature.js';
export { mentionsAny } from './mentions.js';
