// An independent ActivityPub peer built on Fedify, for fedcop's interop tests.
//
//   node fedify_peer.mjs group  PORT            a Group at http://127.0.0.1:PORT/users/community
//   node fedify_peer.mjs person PORT TARGET_URL  a Person (.../users/alice) that follows TARGET_URL
//   PEER_FIRST_KNOCK=draft-cavage-http-signatures-12   sign with draft-cavage first (default rfc9421)
//   PEER_ACCEPTS=rfc9421 | draft-cavage   answer 401 to any request signed with the other scheme
//                                         (default: both), as a server knowing one scheme would;
//                                         what passes is still verified by Fedify itself
//
// Fedify verifies the signature of every POST it gets (RFC 9421 or draft-cavage) before any
// listener below runs, so a "verified ..." line means the sender's signature and document passed
// an independent implementation. It signs what it sends with RFC 9421 first and falls back to
// draft-cavage when the receiver answers 4xx ("double-knocking").
//
// Lines the tests wait for (stdout):
//   [NAME] listening ORIGIN
//   [NAME] verified Follow from ACTOR | verified Accept from ACTOR | verified Undo(Follow) from ACTOR
//   [NAME] POST PATH (SCHEME) -> STATUS     every POST received, with the scheme it was signed with
//   [NAME] attachment TYPE {"url", "mediaType", "name", "width", "height"}   (a Person) each
//                                         attachment of a post it fetched, as Fedify read it
// Fedify's own signature diagnostics (category fedify.sig, debug) are printed too.
import http from "node:http";
import { AsyncLocalStorage } from "node:async_hooks";
import { configure, getConsoleSink } from "@logtape/logtape";
import { Temporal } from "@js-temporal/polyfill";
import { createFederation, MemoryKvStore, InProcessMessageQueue, generateCryptoKeyPair } from "@fedify/fedify";
import { Group, Person, Follow, Accept, Reject, Undo, Announce, Create, Note, Article, Page, Endpoints, PUBLIC_COLLECTION } from "@fedify/vocab";

const [role, portStr, target] = process.argv.slice(2);
if (!["group", "person"].includes(role) || !Number(portStr) || (role === "person" && !target)) {
  console.error("usage: node fedify_peer.mjs group PORT | person PORT TARGET_URL");
  process.exit(2);
}
const port = Number(portStr);
const firstKnock = process.env.PEER_FIRST_KNOCK || "rfc9421";
if (!["rfc9421", "draft-cavage-http-signatures-12"].includes(firstKnock)) {
  console.error(`PEER_FIRST_KNOCK must be rfc9421 or draft-cavage-http-signatures-12, not ${firstKnock}`);
  process.exit(2);
}
const accepts = process.env.PEER_ACCEPTS || "both";
if (!["both", "rfc9421", "draft-cavage"].includes(accepts)) {
  console.error(`PEER_ACCEPTS must be both, rfc9421 or draft-cavage, not ${accepts}`);
  process.exit(2);
}
const origin = `http://127.0.0.1:${port}`;
const name = role === "group" ? "community" : "alice";
const log = (...a) => console.log(`[${name}]`, ...a);

await configure({
  sinks: { console: getConsoleSink() },
  contextLocalStorage: new AsyncLocalStorage(),
  loggers: [
    { category: ["fedify", "sig"], sinks: ["console"], lowestLevel: "debug" },
    { category: ["fedify"], sinks: ["console"], lowestLevel: "warning" },
    { category: ["logtape", "meta"], sinks: ["console"], lowestLevel: "warning" },
  ],
});

const federation = createFederation({
  kv: new MemoryKvStore(),
  queue: new InProcessMessageQueue(),
  allowPrivateAddress: true, // fedcop listens on loopback
  firstKnock, // the other scheme is tried only if the receiver answers 4xx
});
// As Fedify's own servers do: RSA signs HTTP requests (#main-key), Ed25519 signs the Object
// Integrity Proofs (FEP-8b32) attached to every activity sent; both are listed as assertionMethod.
const keys = [await generateCryptoKeyPair("RSASSA-PKCS1-v1_5"), await generateCryptoKeyPair("Ed25519")];
const followers = new Map(); // actor id -> inbox

federation.setActorDispatcher("/users/{identifier}", async (ctx, identifier) => {
  if (identifier !== name) return null;
  const Actor = role === "group" ? Group : Person;
  const pairs = await ctx.getActorKeyPairs(identifier);
  return new Actor({
    id: ctx.getActorUri(identifier), preferredUsername: identifier, name: identifier,
    inbox: ctx.getInboxUri(identifier), endpoints: new Endpoints({ sharedInbox: ctx.getInboxUri() }),
    followers: ctx.getFollowersUri(identifier), outbox: ctx.getOutboxUri(identifier),
    publicKey: pairs[0].cryptographicKey, assertionMethods: pairs.map((pair) => pair.multikey),
  });
}).setKeyPairsDispatcher(async (_ctx, identifier) => (identifier === name ? keys : []));

federation.setFollowersDispatcher("/users/{identifier}/followers", async () => ({
  items: [...followers.entries()].map(([id, inbox]) => ({ id: new URL(id), inboxId: new URL(inbox) })),
}));
federation.setOutboxDispatcher("/users/{identifier}/outbox", async () => ({ items: [] }));

// The one post the Group announces; fetchable at its id like every object we send.
const makeNote = (ctx) => new Note({
  id: new URL(`${origin}/notes/1`), attribution: ctx.getActorUri(name), content: "hello community",
  published: Temporal.Instant.from("2026-01-01T00:00:00Z"), to: PUBLIC_COLLECTION, cc: ctx.getFollowersUri(name),
});
const replies = new Map(); // id -> Note: replies this peer wrote, fetchable at their ids
const repliedTo = new Set(); // thread ids already answered (once each)
federation.setObjectDispatcher(Note, "/notes/{id}", async (ctx, { id }) =>
  (id === "1" ? makeNote(ctx) : replies.get(id) ?? null));

let sent = 0;
const nextId = (kind) => new URL(`${origin}/${kind}/${++sent}`);

federation.setInboxListeners("/users/{identifier}/inbox", "/inbox")
  .on(Follow, async (ctx, follow) => {
    const follower = await follow.getActor(ctx); // fetched by Fedify; the signature is already verified
    log("verified Follow from", follower.id.href);
    followers.set(follower.id.href, follower.inboxId.href);
    await ctx.sendActivity({ identifier: name }, follower,
      new Accept({ id: nextId("accept"), actor: ctx.getActorUri(name), object: follow }));
    // Group-style: the new member's server then gets an Announce of a post.
    await ctx.sendActivity({ identifier: name }, "followers",
      new Announce({ id: nextId("announce"), actor: ctx.getActorUri(name), object: makeNote(ctx),
        to: PUBLIC_COLLECTION, cc: ctx.getFollowersUri(name) }));
    log("sent Accept and Announce to", follower.inboxId.href);
  })
  .on(Accept, async (_ctx, accept) => log("verified Accept from", accept.actorId?.href))
  .on(Reject, async (_ctx, reject) => log("verified Reject from", reject.actorId?.href))
  .on(Undo, async (ctx, undo) => {
    const inner = await undo.getObject(ctx);
    if (inner instanceof Follow && inner.actorId?.href === undo.actorId?.href) {
      followers.delete(undo.actorId.href);
      log("verified Undo(Follow) from", undo.actorId.href);
    } else {
      log("verified Undo from", undo.actorId?.href);
    }
  })
  .on(Announce, async (ctx, announce) => {
    log("verified Announce from", announce.actorId?.href);
    if (role !== "person") return;
    // A member: fetch what the community announced (a Create is unwrapped), and answer each new
    // thread once, to the community, as a reply in it.
    let post = await announce.getObject(ctx);
    if (post instanceof Create) post = await post.getObject(ctx);
    const isPost = post instanceof Note || post instanceof Article || post instanceof Page;
    if (!isPost || post.replyTargetId || repliedTo.has(post.id?.href)) return;
    repliedTo.add(post.id.href);
    log("fetched announced", post.id.href);
    // Each attachment as Fedify's vocabulary parsed it (a JSON-LD reading of our document).
    for await (const item of post.getAttachments(ctx)) {
      const url = item.url instanceof URL ? item.url.href : item.url?.href?.href;
      log("attachment", item.constructor.name, JSON.stringify({ url, mediaType: item.mediaType,
        name: item.name?.toString(), width: item.width, height: item.height }));
    }
    const community = await announce.getActor(ctx);
    const key = `reply${repliedTo.size}`;
    const reply = new Note({ id: new URL(`${origin}/notes/${key}`), attribution: ctx.getActorUri(name),
      content: `a reply from an independent server (${repliedTo.size})`, replyTarget: post.id,
      published: Temporal.Now.instant(), to: PUBLIC_COLLECTION, ccs: [community.id] });
    replies.set(key, reply);
    await ctx.sendActivity({ identifier: name }, community, new Create({ id: nextId("create"),
      actor: ctx.getActorUri(name), object: reply, to: PUBLIC_COLLECTION, ccs: [community.id] }));
    log("sent reply", reply.id.href, "to", community.inboxId?.href);
  })
  .on(Create, async (_ctx, create) => log("verified Create from", create.actorId?.href));

const schemeOf = (headers) =>
  headers["signature-input"] ? "rfc9421" : headers.signature ? "draft-cavage" : "unsigned";

const server = http.createServer(async (req, res) => {
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  const signedWith = schemeOf(req.headers);
  if (accepts !== "both" && signedWith !== "unsigned" && signedWith !== accepts) {
    // A server that knows one scheme cannot verify the other: 401, before Fedify sees it.
    res.writeHead(401, { "content-type": "text/plain" });
    res.end(`this server verifies ${accepts} signatures only`);
    log(req.method, req.url, `(${signedWith})`, "->", 401);
    return;
  }
  const request = new Request(`${origin}${req.url}`, {
    method: req.method, headers: req.headers,
    body: ["GET", "HEAD"].includes(req.method) ? undefined : Buffer.concat(chunks),
  });
  const response = await federation.fetch(request, {
    contextData: undefined, onNotFound: () => new Response("not found", { status: 404 }),
  });
  res.writeHead(response.status, Object.fromEntries(response.headers));
  res.end(Buffer.from(await response.arrayBuffer()));
  if (req.method === "POST" || signedWith !== "unsigned") {
    log(req.method, req.url, `(${signedWith})`, "->", response.status);
  }
});

process.on("SIGTERM", () => process.exit(0)); // nothing to save: every store is in memory
process.on("SIGINT", () => process.exit(0));

server.listen(port, "127.0.0.1", async () => {
  log("listening", origin);
  if (!target) return;
  try {
    const ctx = federation.createContext(new URL(origin), undefined);
    const followed = await ctx.lookupObject(target); // by URL: Fedify resolves acct: over https only
    if (followed?.id == null) throw new Error(`could not look up ${target}`);
    log("looked up", followed.id.href, followed.constructor.name);
    await ctx.sendActivity({ identifier: name }, followed,
      new Follow({ id: nextId("follow"), actor: ctx.getActorUri(name), object: followed.id }));
    log("sent Follow to", followed.id.href);
  } catch (error) {
    log("error:", error?.stack ?? error);
  }
});
