// The page's realtime client is the npm package in clients/js (@realtime-todo/client),
// vendored byte-identical into vendor/realtime-todo-client/ (make web-vendor; checked by
// tests/unit/test_web_vendor.py). This module keeps the old import path working.
export { apiTokenProvider, connect } from "./vendor/realtime-todo-client/index.js";
