// Diagnostic (not part of `make bench`): CPU profile of the request path.
//   node --cpu-prof --cpu-prof-dir=/tmp/prof bench/profile-request.mjs [altpay|hand] [n]
// then: node bench/profile-summary.mjs /tmp/prof/<file>.cpuprofile
import { startMockProcess } from "./lib.mjs";
import { altpayCreate, handWritten } from "./contenders.mjs";
const [which = "altpay", n = "3000"] = process.argv.slice(2);
const mock = await startMockProcess();
const f = which === "altpay" ? altpayCreate(mock.url) : handWritten(mock.url);
for (let i = 0; i < Number(n); i++) await f();
await mock.close();
