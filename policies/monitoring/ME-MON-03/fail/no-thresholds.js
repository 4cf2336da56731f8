import http from 'k6/http';

export const options = {
  stages: [{ duration: '5m', target: 100 }],
};

export default function () {
  http.get('https://api.example.test/v1/health');
}
