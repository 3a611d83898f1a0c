// Drives the official @duffel/api client against the TripSage provider sandbox: every call the services make,
// the typed objects they get back, and the documented error cases raised as DuffelError.
// Usage: SANDBOX_URL=http://127.0.0.1:8100 node contract.mjs
import assert from "node:assert/strict";
import { Duffel, DuffelError } from "@duffel/api";

const base = process.env.SANDBOX_URL;
if (!base) {
  console.error("SANDBOX_URL is required");
  process.exit(2);
}
const duffel = new Duffel({ token: "duffel_test_contract", basePath: base });

const day = (offset) => new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10);
const money = /^\d+\.\d{2}$/;
const checks = [];
const check = (name, run) => checks.push({ name, run });

async function refused(call, status, code) {
  try {
    await call();
  } catch (error) {
    assert.ok(error instanceof DuffelError, `expected DuffelError, got ${error}`);
    assert.equal(error.status, status);
    assert.equal(error.errors[0].code, code);
    for (const key of ["type", "title", "message", "code"]) assert.equal(typeof error.errors[0][key], "string");
    assert.equal(typeof error.meta.request_id, "string");
    return error;
  }
  assert.fail(`expected a ${status} ${code}`);
}

async function arm(fault) {
  const response = await fetch(`${base}/__sandbox/faults`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ provider: "duffel", count: 1, ...fault }),
  });
  assert.equal(response.status, 201);
}

const search = {
  slices: [
    { origin: "LHR", destination: "JFK", departure_date: day(40) },
    { origin: "JFK", destination: "LHR", departure_date: day(47) },
  ],
  passengers: [{ type: "adult" }, { age: 8 }],
  cabin_class: "economy",
  max_connections: 1,
};
let request;

check("offer request returns typed offers", async () => {
  const response = await duffel.offerRequests.create({ ...search, return_offers: true, supplier_timeout: 10000 });
  assert.equal(response.status, 201);
  request = response.data;
  assert.match(request.id, /^orq_/);
  assert.equal(request.live_mode, false);
  assert.equal(request.passengers.length, 2);
  assert.ok(request.offers.length > 5, "a London-New York search has many offers");
  for (const offer of request.offers) {
    assert.match(offer.id, /^off_/);
    assert.equal(offer.live_mode, false);
    assert.match(offer.total_amount, money);
    assert.ok(Date.parse(offer.expires_at) > Date.now(), "offers expire in the future");
    assert.equal(offer.slices.length, 2);
    assert.equal(offer.passengers.length, 2);
    const first = offer.slices[0].segments[0];
    assert.equal(first.origin.iata_code, "LHR");
    assert.equal(first.origin.type, "airport");
    assert.match(first.marketing_carrier.iata_code, /^[A-Z0-9]{2}$/);
    assert.match(first.aircraft.iata_code, /^[A-Z0-9]{3}$/);
    assert.ok(!Number.isNaN(Date.parse(first.departing_at)));
    assert.equal(offer.slices[1].segments.at(-1).destination.iata_code, "LHR");
  }
  const headers = response.headers;
  assert.ok(Number(headers.get("ratelimit-limit")) > 0);
  assert.ok(Number(headers.get("ratelimit-remaining")) >= 0);
  assert.ok(!Number.isNaN(Date.parse(headers.get("ratelimit-reset"))));
});

check("offers page with after/limit and the generator walks them all", async () => {
  const page = await duffel.offers.list({ offer_request_id: request.id, limit: 5 });
  assert.equal(page.data.length, 5);
  assert.equal(page.meta.limit, 5);
  assert.ok(page.meta.after, "a first page of 5 has a next cursor");
  const next = await duffel.offers.list({ offer_request_id: request.id, limit: 5, after: page.meta.after });
  assert.notEqual(next.data[0].id, page.data[0].id);
  const all = [];
  for await (const item of duffel.offers.listWithGenerator({ offer_request_id: request.id, limit: 7 })) {
    all.push(item.data.id);
  }
  assert.equal(all.length, request.offers.length);
  assert.equal(new Set(all).size, all.length);
  const direct = await duffel.offers.list({ offer_request_id: request.id, max_connections: 0, limit: 200 });
  assert.ok(direct.data.every((o) => o.slices.every((s) => s.segments.length === 1)));
});

check("an offer is fetched again by id at the same price", async () => {
  const offer = request.offers[0];
  const again = await duffel.offers.get(offer.id);
  assert.equal(again.data.id, offer.id);
  assert.equal(again.data.total_amount, offer.total_amount);
  assert.equal(again.data.total_currency, offer.total_currency);
});

check("big answers come gzip-compressed", async () => {
  const response = await fetch(`${base}/air/offers?offer_request_id=${request.id}&limit=50`, {
    headers: {
      Authorization: "Bearer duffel_test_contract",
      "Duffel-Version": "v2",
      "Accept-Encoding": "gzip",
    },
  });
  assert.equal(response.status, 200);
  assert.equal(response.headers.get("content-encoding"), "gzip");
  assert.ok((await response.json()).data.length > 0);
});

check("place suggestions rank Paris first and serve Kyoto by nearby airports", async () => {
  const paris = await duffel.suggestions.list({ query: "PAR" });
  assert.equal(paris.data[0].type, "city");
  assert.equal(paris.data[0].iata_code, "PAR");
  assert.deepEqual(
    paris.data[0].airports.map((a) => a.iata_code),
    ["CDG", "ORY"],
  );
  const kyoto = await duffel.suggestions.list({ query: "Kyoto" });
  assert.equal(kyoto.data[0].iata_code, "OSA");
  const airports = kyoto.data.filter((p) => p.type === "airport").map((p) => p.iata_code);
  assert.deepEqual(new Set(airports.slice(0, 2)), new Set(["KIX", "ITM"]));
});

let result;

check("stays search, all rates of a result, and a quote", async () => {
  const found = await duffel.stays.search({
    location: { radius: 2, geographic_coordinates: { latitude: 48.8566, longitude: 2.3522 } },
    check_in_date: day(30),
    check_out_date: day(33),
    rooms: 1,
    guests: [{ type: "adult" }, { type: "adult" }],
  });
  assert.ok(found.data.results.length >= 15, "central Paris has many hotels within 2 km");
  result = found.data.results[0];
  assert.match(result.id, /^srr_/);
  assert.match(result.accommodation.id, /^acc_/);
  assert.match(result.cheapest_rate_total_amount, money);
  assert.equal(typeof result.accommodation.location.geographic_coordinates.latitude, "number");
  const rates = await duffel.stays.searchResults.fetchAllRates(result.id);
  const rooms = rates.data.accommodation.rooms;
  assert.ok(rooms.length >= 1);
  const rate = rooms[0].rates[0];
  assert.match(rate.id, /^rat_/);
  assert.equal(rate.total_amount, result.cheapest_rate_total_amount);
  const quote = await duffel.stays.quotes.create(rate.id);
  assert.match(quote.data.id, /^quo_/);
  assert.equal(quote.data.total_amount, rate.total_amount);
  assert.equal(quote.data.check_in_date, day(30));
  assert.equal(quote.data.guests.length, 2);
  const byId = await duffel.stays.search({
    accommodation: { ids: [result.accommodation.id] },
    check_in_date: day(30),
    check_out_date: day(33),
    rooms: 1,
    guests: [{ type: "adult" }, { type: "adult" }],
  });
  assert.equal(byId.data.results[0].accommodation.id, result.accommodation.id);
});

check("errors: version, token, validation, unknown ids", async () => {
  const wrongVersion = new Duffel({ token: "duffel_test_contract", basePath: base, apiVersion: "v1" });
  await refused(() => wrongVersion.suggestions.list({ query: "LON" }), 400, "unsupported_version");
  const noToken = new Duffel({ token: "", basePath: base });
  await refused(() => noToken.suggestions.list({ query: "LON" }), 401, "invalid_authorization_header");
  const bad = await refused(
    () => duffel.offerRequests.create({ ...search, slices: [{ ...search.slices[0], origin: "XXX" }] }),
    422,
    "invalid_data",
  );
  assert.equal(bad.errors[0].source.field, "slices.0.origin");
  await refused(
    () => duffel.offerRequests.create({ ...search, slices: [{ ...search.slices[0], departure_date: day(-3) }] }),
    422,
    "departure_date_in_the_past",
  );
  await refused(() => duffel.offers.get("off_unknown"), 404, "not_found");
  await refused(() => duffel.stays.quotes.create("rat_unknown"), 404, "not_found");
  await refused(() => duffel.stays.searchResults.fetchAllRates("srr_unknown"), 404, "not_found");
});

check("errors: faults on demand come back as Duffel errors", async () => {
  await arm({ endpoint: "places", kind: "rate_limit", retry_after_s: 3 });
  const limited = await refused(() => duffel.suggestions.list({ query: "LON" }), 429, "rate_limit_exceeded");
  assert.equal(limited.headers.get("retry-after"), "3");
  assert.equal(limited.headers.get("ratelimit-remaining"), "0");
  await arm({ endpoint: "stays_search", kind: "error_503" });
  await refused(
    () =>
      duffel.stays.search({
        location: { radius: 2, geographic_coordinates: { latitude: 48.8566, longitude: 2.3522 } },
        check_in_date: day(30),
        check_out_date: day(31),
        rooms: 1,
        guests: [{ type: "adult" }],
      }),
    503,
    "service_unavailable",
  );
});

let passed = 0;
let failed = 0;
for (const { name, run } of checks) {
  try {
    await run();
    passed += 1;
    console.log(`ok - ${name}`);
  } catch (error) {
    failed += 1;
    console.log(`not ok - ${name}\n  ${String(error?.stack ?? error).split("\n").join("\n  ")}`);
    if (error instanceof DuffelError) console.log(`  ${JSON.stringify(error.errors)}`);
  }
}
console.log(`duffel contract: ${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
