import { describe, expect, it } from "vitest";
import { LOCATION_HINTS, type Region } from "../../durable-objects/topology";
import { DataCenterRegions, nearestRegion } from "../../worker/nearest-region";
import { call } from "./helpers";

const PARIS = { latitude: "48.85", longitude: "2.35", continent: "EU" };
const SYDNEY = { latitude: "-33.87", longitude: "151.21", continent: "OC" };
const TOKYO = { latitude: "35.68", longitude: "139.69", continent: "AS" };

/** A request as it reaches the worker through a data center (`CF-Ray` ends with its code). */
function through(dataCenter: string | null, cf: object): Request {
  const headers: Record<string, string> = dataCenter === null ? {} : { "CF-Ray": `8f2b1c3d4e5f6a7b-${dataCenter}` };
  return new Request("https://geocache.test/v1/regions", { headers, cf: cf as RequestInitCfProperties });
}

describe("the nearest region", () => {
  it("is the configured region closest to the caller's coordinates, else its continent's, else the first", () => {
    expect(nearestRegion(PARIS, LOCATION_HINTS)).toBe("weur");
    expect(nearestRegion(SYDNEY, LOCATION_HINTS)).toBe("oc");
    expect(nearestRegion(TOKYO, LOCATION_HINTS)).toBe("apac");
    expect(nearestRegion(TOKYO, ["enam", "weur", "wnam"])).toBe("wnam");
    expect(nearestRegion({ continent: "SA" }, LOCATION_HINTS)).toBe("sam");
    expect(nearestRegion({ latitude: "north", longitude: "2", continent: "AF" }, LOCATION_HINTS)).toBe("afr");
    expect(nearestRegion(undefined, ["eeur", "me"])).toBe("eeur");
  });

  it("is worked out once per data center, from the first request through it", () => {
    const regions = new DataCenterRegions(LOCATION_HINTS);
    expect(regions.of(through("SYD", SYDNEY))).toBe("oc");
    // Every later request through SYD is served from oc, whatever its coordinates say.
    expect(regions.of(through("SYD", PARIS))).toBe("oc");
    expect(regions.of(through("CDG", PARIS))).toBe("weur");
    expect(regions.of(through("NRT", TOKYO))).toBe("apac");
    // Without CF-Ray (local development) every request counts as one data center.
    const local = new DataCenterRegions(["enam", "weur"] satisfies Region[]);
    expect(local.of(through(null, PARIS))).toBe("weur");
    expect(local.of(through(null, TOKYO))).toBe("weur");
  });

  it("is what the worker serves a request from, unless X-Region names one", async () => {
    const answer = await call("/v1/regions", { headers: { "CF-Ray": "8f2b1c3d4e5f6a7b-JNB" }, cf: { latitude: "-26.2", longitude: "28.0" } });
    expect(await answer.json()).toMatchObject({ nearest: "afr" });
    const named = await call("/v1/regions", { headers: { "CF-Ray": "8f2b1c3d4e5f6a7b-JNB", "X-Region": "me" } });
    expect(await named.json()).toMatchObject({ nearest: "me" });
  });
});
