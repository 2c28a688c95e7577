import { describe, expect, it } from "vitest";
import { call, keyPath, uniqueRef } from "./helpers";

describe("Cache-Control: no-store", () => {
  it("is on every answer of the API, reads and their errors included, so no browser or proxy serves one again without asking", async () => {
    const { key } = uniqueRef("no-store");
    const answers: [string, Response][] = [
      ["PUT", await call(keyPath(key), { method: "PUT", body: "v1" })],
      ["eventual read", await call(keyPath(key))],
      ["strong read", await call(`${keyPath(key)}?consistency=strong`)],
      ["read of an absent key (404)", await call(keyPath(`${key}-absent`))],
      ["bad input (400)", await call(`${keyPath(key)}?consistency=sometimes`)],
      ["mget", await call("/v1/mget", { method: "POST", body: JSON.stringify({ keys: [key] }), headers: { "Content-Type": "application/json" } })],
      ["health", await call("/v1/health")],
      ["regions", await call("/v1/regions")],
      ["stats", await call("/v1/stats")],
    ];
    const statuses = answers.map(([what, answer]) => [what, answer.status]);
    expect(statuses).toEqual([
      ["PUT", 200],
      ["eventual read", 200],
      ["strong read", 200],
      ["read of an absent key (404)", 404],
      ["bad input (400)", 400],
      ["mget", 200],
      ["health", 200],
      ["regions", 200],
      ["stats", 200],
    ]);
    expect(answers.map(([what, answer]) => [what, answer.headers.get("Cache-Control")])).toEqual(answers.map(([what]) => [what, "no-store"]));
    await Promise.all(answers.map(([, answer]) => answer.body?.cancel()));
  });
});
