import http from 'k6/http';

export let options = {
  thresholds: {
    http_req_duration: ['p(95)<800'], // looser than the guide's 500 ms
    http_req_failed: ['rate<0.01'],
  },
};

export default function () {
  http.get('https://api.example.test/v1/health');
}
