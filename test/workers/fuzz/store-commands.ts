import fc from "fast-check";
import { expect } from "vitest";
import { checkErrorContract, type StatusTally } from "./error-contract";
import { fetchWorker } from "./fetch-worker";
import { keyPath } from "./request-arbitraries";
import { couldHaveServed, expectedAnswers, explain, NEVER_WRITTEN, type Answer, type Operation, type Stored } from "./store-model";

/**
 * The model: what each key's primary holds now, every record it has held
 * (by version), the newest version the run's session has seen of each key,
 * and the last write sent with an idempotency key.
 */
export interface StoreModel {
  stored: Stored[];
  history: Map<number, Stored>[];
  seen: number[];
  lastIdempotent: { key: number; kind: "put" | "delete" | "incr"; init: RequestInit & { url: string }; status: number; body: string } | null;
}

/** What a model run checked, for the figures it prints. */
export interface ModelFigures {
  runs: number;
  commands: number;
  reads: number;
  writes: number;
  /** Strong reads of a value whose TTL had run out: 404 in the model and at the worker. */
  expiredReads: number;
  /** Session and eventual reads from the nearest copies, judged against the history. */
  copyReads: number;
}

/** The system under test: this run's keys, the tally of answers and the figures. */
export interface Store {
  keys: string[];
  tally: StatusTally;
  figures: ModelFigures;
  idempotencyKeys: number;
  /** The session token of the last answer: every request sends it, as a client would. */
  session: string;
}

type StoreCommand = fc.AsyncCommand<StoreModel, Store>;

async function send(store: Store, url: string, init: RequestInit): Promise<{ response: Response; sentAt: number; answeredAt: number }> {
  const headers = { ...(init.headers as Record<string, string> | undefined), ...(store.session ? { "X-Session": store.session } : {}) };
  const sentAt = Date.now();
  const response = await fetchWorker(new Request(`https://geocache.test${url}`, { ...init, headers }));
  const answeredAt = Date.now();
  store.session = response.headers.get("X-Session") ?? store.session;
  return { response, sentAt, answeredAt };
}

/** Checks an observed answer against the model and moves the model to the world it came from. */
function judge(model: StoreModel, store: Store, index: number, op: Operation, observed: Answer, times: { sentAt: number; answeredAt: number }, label: string): void {
  const stored = model.stored[index]!;
  const { sentAt, answeredAt } = times;
  const explained = explain(stored, sentAt, answeredAt, op, observed);
  const expected = JSON.stringify(expectedAnswers(stored, sentAt, answeredAt, op));
  expect(explained, `${label}: observed ${JSON.stringify(observed)}, the model expects one of ${expected} (stored ${JSON.stringify(stored)})`).not.toBeNull();
  const { world, next } = explained!;
  model.stored[index] = next;
  // Both are records the primary held: the one the request met and the one it left.
  for (const record of [world.stored, next]) if (record.version > 0) model.history[index]!.set(record.version, record);
  if (observed.version !== undefined && (op.kind === "get" || observed.status === 200)) {
    model.seen[index] = Math.max(model.seen[index]!, observed.version);
  }
  if (op.kind !== "get") store.figures.writes++;
  else if (stored.value !== null && stored.expiresAt !== null && !world.live) store.figures.expiredReads++;
  if (op.kind === "get") store.figures.reads++;
}

const versionHeader = (response: Response) => (response.headers.has("X-Version") ? Number(response.headers.get("X-Version")) : undefined);

/** A strong read of one key, through the header or the query, perhaps conditional on the version the model holds. */
export class StrongGet implements StoreCommand {
  constructor(readonly key: number, readonly viaQuery: boolean, readonly conditional: boolean) {}
  check = () => true;
  async run(model: StoreModel, store: Store): Promise<void> {
    store.figures.commands++;
    const path = `${keyPath(store.keys[this.key]!)}${this.viaQuery ? "?consistency=strong" : ""}`;
    const headers: Record<string, string> = this.viaQuery ? {} : { "X-Consistency": "strong" };
    const op: Operation = { kind: "get", ...(this.conditional ? { ifNoneMatch: model.stored[this.key]!.version } : {}) };
    if (op.ifNoneMatch !== undefined) headers["If-None-Match"] = `"${op.ifNoneMatch}"`;
    const { response, sentAt, answeredAt } = await send(store, path, { headers });
    const observed: Answer = { status: response.status, version: versionHeader(response) };
    if (response.status === 200) {
      observed.expiresAt = response.headers.has("X-Expires-At") ? Number(response.headers.get("X-Expires-At")) : null;
      observed.contentType = response.headers.get("Content-Type") ?? "";
      observed.value = new TextDecoder().decode(await response.clone().arrayBuffer());
    }
    if (response.status < 400) expect(response.headers.get("X-Served-By")).toBe("primary");
    await checkErrorContract("GET", response, store.tally);
    judge(model, store, this.key, op, observed, { sentAt, answeredAt }, this.toString());
  }
  toString = () => `get(${this.key}${this.viaQuery ? ", ?consistency=strong" : ""}${this.conditional ? ", If-None-Match" : ""})`;
}

/** A strong batch read of some keys (repeats allowed), each result judged on its own. */
export class StrongMget implements StoreCommand {
  constructor(readonly keys: number[]) {}
  check = () => true;
  async run(model: StoreModel, store: Store): Promise<void> {
    store.figures.commands++;
    const body = JSON.stringify({ keys: this.keys.map((i) => store.keys[i]), consistency: "strong" });
    const { response, sentAt, answeredAt } = await send(store, "/v1/mget", { method: "POST", body });
    expect(response.status, this.toString()).toBe(200);
    const { results } = (await response.clone().json()) as {
      results: { key: string; status: number; version: number; value: string | null; contentType: string | null; expiresAt: number | null }[];
    };
    await checkErrorContract("POST", response, store.tally);
    expect(results.map((r) => r.key)).toEqual(this.keys.map((i) => store.keys[i]));
    for (const [n, result] of results.entries()) {
      const observed: Answer = { status: result.status, version: result.version };
      if (result.status === 200) {
        observed.value = new TextDecoder().decode(Uint8Array.from(atob(result.value!), (c) => c.charCodeAt(0)));
        observed.contentType = result.contentType!;
        observed.expiresAt = result.expiresAt;
      }
      judge(model, store, this.keys[n]!, { kind: "get" }, observed, { sentAt, answeredAt }, `${this} result ${n}`);
    }
  }
  toString = () => `mget(${this.keys.join(",")})`;
}

/** How a write names its precondition: relative to the version the model holds. */
export type MatchChoice = "current" | "behind" | "ahead" | "any";

function resolveMatch(choice: MatchChoice | null, stored: Stored): number | "*" | undefined {
  if (choice === null) return undefined;
  if (choice === "any") return "*";
  return Math.max(0, stored.version + (choice === "behind" ? -1 : choice === "ahead" ? 1 : 0));
}

/** The TTL of a put: milliseconds in `X-TTL-Ms`, or seconds in `?ttl=`. */
export type TtlChoice = { header: number } | { query: string };

export interface WriteSpec {
  op: "put" | "delete" | "incr";
  value: string;
  contentType: string;
  ttl: TtlChoice | null;
  ifMatch: MatchChoice | null;
  ifNoneMatch: boolean;
  by: number | null;
  idempotent: boolean;
}

/** A put, delete or incr with the preconditions and TTL it was generated with. */
export class Write implements StoreCommand {
  constructor(readonly key: number, readonly spec: WriteSpec) {}
  check = () => true;
  async run(model: StoreModel, store: Store): Promise<void> {
    store.figures.commands++;
    const { spec } = this;
    const stored = model.stored[this.key]!;
    const ifMatch = resolveMatch(spec.ifMatch, stored);
    const headers: Record<string, string> = {};
    if (ifMatch !== undefined) headers["If-Match"] = ifMatch === "*" ? "*" : `"${ifMatch}"`;
    if (spec.ifNoneMatch && spec.op === "put") headers["If-None-Match"] = "*";
    if (spec.idempotent) headers["Idempotency-Key"] = `model-${store.keys[0]!.length}-${store.idempotencyKeys++}-${crypto.randomUUID()}`;
    let url = keyPath(store.keys[this.key]!);
    let body: string | undefined;
    let op: Operation;
    if (spec.op === "put") {
      headers["Content-Type"] = spec.contentType;
      body = spec.value;
      if (spec.ttl && "header" in spec.ttl) headers["X-TTL-Ms"] = String(spec.ttl.header);
      if (spec.ttl && "query" in spec.ttl) url += `?ttl=${spec.ttl.query}`;
      const ttlMs = spec.ttl === null ? null : "header" in spec.ttl ? spec.ttl.header : Math.round(Number(spec.ttl.query) * 1000);
      op = { kind: "put", value: spec.value, contentType: spec.contentType, ttlMs, ...(ifMatch !== undefined ? { ifMatch } : {}), ...(headers["If-None-Match"] ? { ifNoneMatch: true } : {}) };
    } else if (spec.op === "delete") {
      op = { kind: "delete", ...(ifMatch !== undefined ? { ifMatch } : {}) };
    } else {
      url += "/incr";
      body = spec.by === null ? "" : JSON.stringify({ by: spec.by });
      op = { kind: "incr", by: spec.by ?? 1, ...(ifMatch !== undefined ? { ifMatch } : {}) };
    }
    const method = spec.op === "put" ? "PUT" : spec.op === "delete" ? "DELETE" : "POST";
    const init = { method, headers, ...(body !== undefined ? { body } : {}) };
    const { response, sentAt, answeredAt } = await send(store, url, init);
    const text = await response.clone().text();
    const error = await checkErrorContract(method, response, store.tally);
    const observed: Answer = { status: response.status };
    if (response.status === 200) {
      const answer = JSON.parse(text) as { key: string; version: number; value?: number; expiresAt?: number; deleted?: boolean };
      expect(answer.key, "the answer names the key as written").toBe(store.keys[this.key]);
      expect(response.headers.get("ETag")).toBe(`"${answer.version}"`);
      observed.version = answer.version;
      if (spec.op === "incr") observed.counter = answer.value;
      if (spec.op === "delete") expect(answer.deleted).toBe(true);
      if (op.kind === "put" && op.ttlMs !== null) {
        expect(answer.expiresAt, `${this}: expiresAt is the commit time plus the TTL`).toBeGreaterThanOrEqual(sentAt + op.ttlMs - 5);
        expect(answer.expiresAt).toBeLessThanOrEqual(answeredAt + op.ttlMs + 5);
      } else if (op.kind === "put") {
        expect(answer.expiresAt).toBeUndefined();
      }
    }
    if (error?.error.currentVersion !== undefined) observed.currentVersion = error.error.currentVersion;
    if (op.kind === "put" && response.status === 200) op.expiresAt = (JSON.parse(text) as { expiresAt?: number }).expiresAt ?? null;
    judge(model, store, this.key, op, observed, { sentAt, answeredAt }, this.toString());
    if (spec.idempotent) model.lastIdempotent = { key: this.key, kind: spec.op, init: { ...init, url }, status: response.status, body: text };
  }
  toString = () => `${this.spec.op}(${this.key}, ${JSON.stringify(this.spec)})`;
}

/**
 * Sends the last write that carried an `Idempotency-Key` again: the same
 * answer comes back and nothing changes; the same key on another kind of
 * write is 422 `idempotency_key_reused`.
 */
export class Replay implements StoreCommand {
  constructor(readonly asOtherKind: boolean) {}
  check = (model: Readonly<StoreModel>) => model.lastIdempotent !== null;
  async run(model: StoreModel, store: Store): Promise<void> {
    store.figures.commands++;
    const last = model.lastIdempotent!;
    const { url, ...init } = last.init;
    const idempotencyKey = (init.headers as Record<string, string>)["Idempotency-Key"]!;
    const other: RequestInit = last.kind === "delete" ? { method: "PUT", body: "other" } : { method: "DELETE" };
    const sent = this.asOtherKind ? { ...other, headers: { "Idempotency-Key": idempotencyKey } } : init;
    const { response } = await send(store, this.asOtherKind ? keyPath(store.keys[last.key]!) : url, sent);
    const text = await response.clone().text();
    const error = await checkErrorContract(sent.method!, response, store.tally);
    if (this.asOtherKind) {
      expect(error?.error.code, `${this}`).toBe("idempotency_key_reused");
      return;
    }
    expect([response.status, text], `${this}: the replay answers as the first time`).toEqual([last.status, last.body]);
    if (response.status === 200) expect(response.headers.get("Idempotent-Replayed")).toBe("true");
  }
  toString = () => (this.asOtherKind ? "replay(as another kind)" : "replay");
}

/**
 * A read from the nearest copies in some region: with the run's session
 * (read-your-writes, monotonic: never older than the session has seen), or
 * `eventual` (any copy). Either way the copy is one the primary held, and
 * never an expired value.
 */
export class CopyRead implements StoreCommand {
  constructor(readonly key: number, readonly region: string, readonly mode: "session" | "eventual") {}
  check = () => true;
  async run(model: StoreModel, store: Store): Promise<void> {
    store.figures.commands++;
    const headers: Record<string, string> = { "X-Region": this.region, ...(this.mode === "eventual" ? { "X-Consistency": "eventual" } : {}) };
    const minimum = this.mode === "session" ? model.seen[this.key]! : 0;
    const { response, sentAt, answeredAt } = await send(store, keyPath(store.keys[this.key]!), { headers });
    const observed: Answer = { status: response.status, version: versionHeader(response) };
    if (response.status === 200) {
      observed.expiresAt = response.headers.has("X-Expires-At") ? Number(response.headers.get("X-Expires-At")) : null;
      observed.contentType = response.headers.get("Content-Type") ?? "";
      observed.value = new TextDecoder().decode(await response.clone().arrayBuffer());
    }
    await checkErrorContract("GET", response, store.tally);
    const history = model.history[this.key]!;
    const label = `${this}: observed ${JSON.stringify(observed)} via ${response.headers.get("X-Served-By")}`;
    expect(couldHaveServed(history, observed, { sentAt, answeredAt }), `${label}; the primary held ${JSON.stringify([...history])}`).toBe(true);
    if (this.mode === "session") expect(observed.version, `${label}: the session had seen version ${minimum}`).toBeGreaterThanOrEqual(minimum);
    model.seen[this.key] = Math.max(model.seen[this.key]!, observed.version ?? 0);
    store.figures.copyReads++;
  }
  toString = () => `${this.mode}Read(${this.key}, ${this.region})`;
}

/** A value with a short TTL, a wait past it, and a strong read: expiry in every run that picks it. */
export class ExpireAndRead implements StoreCommand {
  constructor(readonly key: number, readonly ttlMs: number, readonly waitMs: number) {}
  check = () => true;
  async run(model: StoreModel, store: Store): Promise<void> {
    const spec: WriteSpec = { op: "put", value: "short-lived", contentType: "text/plain", ttl: { header: this.ttlMs }, ifMatch: null, ifNoneMatch: false, by: null, idempotent: false };
    await new Write(this.key, spec).run(model, store);
    await new Wait(this.waitMs).run(model, store);
    await new StrongGet(this.key, false, false).run(model, store);
  }
  toString = () => `expireAndRead(${this.key}, ttl ${this.ttlMs} ms, wait ${this.waitMs} ms)`;
}

/** Lets time pass, so that short TTLs run out. */
export class Wait implements StoreCommand {
  constructor(readonly ms: number) {}
  check = () => true;
  async run(_model: StoreModel, store: Store): Promise<void> {
    store.figures.commands++;
    await new Promise((resolve) => setTimeout(resolve, this.ms));
  }
  toString = () => `wait(${this.ms})`;
}

/** The commands of a run over `keyCount` keys. */
export function storeCommands(keyCount: number): fc.Arbitrary<StoreCommand>[] {
  const key = fc.nat(keyCount - 1);
  const match = fc.oneof(
    { weight: 2, arbitrary: fc.constant(null) },
    { weight: 1, arbitrary: fc.constantFrom<MatchChoice>("current", "current", "behind", "ahead", "any") },
  );
  // Mostly short TTLs, so that values run out while a run goes on; one of an hour stays.
  const ttl = fc.oneof(
    { weight: 1, arbitrary: fc.constant(null) },
    { weight: 1, arbitrary: fc.constantFrom<TtlChoice>({ header: 1 }, { header: 40 }, { header: 90 }, { header: 3_600_000 }, { query: "0.06" }, { query: "3600" }) },
  );
  const value = fc.oneof(
    fc.constantFrom("0", "7", "-3", " 42 ", "007", "9007199254740991", "-9007199254740991", "1.5", ""),
    fc.string({ unit: "grapheme", maxLength: 12 }),
  );
  const by = fc.option(fc.constantFrom(1, -1, 5, 0, Number.MAX_SAFE_INTEGER, -Number.MAX_SAFE_INTEGER), { freq: 4 });
  const write = (op: WriteSpec["op"]) =>
    fc
      .record({
        value,
        contentType: fc.constantFrom("text/plain", "application/json", "application/x.fuzz; v=1"),
        ttl,
        ifMatch: match,
        ifNoneMatch: fc.constantFrom(false, false, false, true),
        by,
        idempotent: fc.boolean(),
      })
      .map((spec): WriteSpec => ({ ...spec, op }));
  return [
    fc.tuple(key, write("put")).map(([k, spec]) => new Write(k, spec)),
    fc.tuple(key, write("put")).map(([k, spec]) => new Write(k, spec)),
    fc.tuple(key, write("delete")).map(([k, spec]) => new Write(k, spec)),
    fc.tuple(key, write("incr")).map(([k, spec]) => new Write(k, spec)),
    fc.tuple(key, fc.boolean(), fc.boolean()).map(([k, viaQuery, conditional]) => new StrongGet(k, viaQuery, conditional)),
    fc.tuple(key, fc.boolean()).map(([k, viaQuery]) => new StrongGet(k, viaQuery, false)),
    fc.array(key, { minLength: 1, maxLength: keyCount + 1 }).map((keys) => new StrongMget(keys)),
    fc
      .tuple(key, fc.constantFrom("enam", "weur", "oc", "apac"), fc.constantFrom<"session" | "eventual">("session", "eventual"))
      .map(([k, region, mode]) => new CopyRead(k, region, mode)),
    fc.boolean().map((asOtherKind) => new Replay(asOtherKind)),
    fc.tuple(key, fc.integer({ min: 1, max: 40 }), fc.integer({ min: 0, max: 80 })).map(([k, ttlMs, waitMs]) => new ExpireAndRead(k, ttlMs, waitMs)),
    fc.integer({ min: 0, max: 100 }).map((ms) => new Wait(ms)),
    fc.integer({ min: 0, max: 100 }).map((ms) => new Wait(ms)),
  ];
}

export function emptyModel(keyCount: number): StoreModel {
  return {
    stored: Array.from({ length: keyCount }, () => NEVER_WRITTEN),
    history: Array.from({ length: keyCount }, () => new Map<number, Stored>()),
    seen: Array.from({ length: keyCount }, () => 0),
    lastIdempotent: null,
  };
}
