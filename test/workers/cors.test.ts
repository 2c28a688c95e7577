import { describe, expect, it } from "vitest";
import { call, keyPath, uniqueRef } from "./helpers";

const ORIGIN = { Origin: "https://app.example" };

function expectCrossOrigin(response: Response): void {
  expect(response.headers.get("Access-Control-Allow-Origin")).toBe("*");
  const exposed = response.headers.get("Access-Control-Expose-Headers")?.split(",") ?? [];
  expect(exposed).toEqual(expect.arrayContaining(["X-Version", "X-Staleness-Ms", "X-Session", "Retry-After"]));
}

describe("cross-origin calls from browsers", () => {
  it("lets any origin read answers and their provenance headers, errors included", async () => {
    const ref = uniqueRef("cors");
    const written = await call(keyPath(ref.key), { method: "PUT", body: "v", headers: ORIGIN });
    expect(written.status).toBe(200);
    expectCrossOrigin(written);

    const read = await call(keyPath(ref.key), { headers: ORIGIN });
    expect(await read.text()).toBe("v");
    expectCrossOrigin(read);
    expect(read.headers.get("X-Version")).toBe("1");
    expect(read.headers.get("X-Session")).not.toBeNull();

    const missing = await call(keyPath(uniqueRef("cors-missing").key), { headers: ORIGIN });
    expect(missing.status).toBe(404);
    expectCrossOrigin(missing);
    const invalid = await call(keyPath(ref.key), { headers: { ...ORIGIN, "X-Consistency": "sometimes" } });
    expect(invalid.status).toBe(400);
    expectCrossOrigin(invalid);
  });

  it("leaves the CORS headers off answers to callers that send no Origin (servers, not browsers)", async () => {
    const ref = uniqueRef("cors-server");
    expect((await call(keyPath(ref.key), { method: "PUT", body: "v" })).status).toBe(200);
    const read = await call(keyPath(ref.key));
    expect(await read.text()).toBe("v");
    expect(read.headers.get("Access-Control-Allow-Origin")).toBeNull();
    expect(read.headers.get("Access-Control-Expose-Headers")).toBeNull();
    expect(read.headers.get("X-Version")).toBe("1");
  });

  it("answers a preflight with the methods and headers a browser may send, and no body", async () => {
    const preflight = await call(keyPath(uniqueRef("cors-preflight").key), {
      method: "OPTIONS",
      headers: { ...ORIGIN, "Access-Control-Request-Method": "PUT", "Access-Control-Request-Headers": "authorization, content-type, x-session" },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get("Access-Control-Allow-Origin")).toBe("*");
    expect(preflight.headers.get("Access-Control-Allow-Methods")?.split(",")).toEqual(expect.arrayContaining(["GET", "PUT", "DELETE", "POST"]));
    expect(preflight.headers.get("Access-Control-Allow-Headers")).toBe("authorization,content-type,x-session");
    expect(preflight.headers.get("Access-Control-Max-Age")).toBe("86400");
    expect(await preflight.text()).toBe("");
  });
});
