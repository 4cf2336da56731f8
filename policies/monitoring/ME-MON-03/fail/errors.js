import http from 'k6/http';

export const options = {
  thresholds: {
    http_req_duration: ['p(95)<500'],
    http_req_failed: ['rate<0.05'],
  },
};

export default function () {
  http.get('https://api.example.test/v1/health');
}
