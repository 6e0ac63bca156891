/** The CMS feed: a Redis stream of stable-id items the CMS reads with a cursor. */
export { createFeed, FeedCursorError, type Feed, type FeedItem, type FeedEntry, type FeedOptions } from './feed.js';
