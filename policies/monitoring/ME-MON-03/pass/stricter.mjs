import http from "k6/http";

/* Stricter than the guide, with the object form of a threshold and a p(99) limit. */
export const options = {
  vus: 50,
  duration: `10m`,
  thresholds: {
    "http_req_duration": [{ threshold: "p(99)<450", abortOnFail: true }, "avg<200"],
    http_req_failed: "rate<=0.005",
    "http_req_duration{name:login}": ["p(95)<800"],
  },
};

export default function () {
  const res = http.get(`${__ENV.BASE_URL}/health`); // a template with ${} outside options
  if (res.status !== 200 / 1) { throw new Error("down"); }
}
