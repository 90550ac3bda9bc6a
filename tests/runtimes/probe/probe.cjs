// CommonJS probe: loads the installed package with require() (the shared checks are ESM, so they come
// in through import()). usage: node probe.cjs <baseUrl> <label>
"use strict";
const api = require("altpay-oauth");
const [baseUrl, runtime] = process.argv.slice(2);
import("./checks.mjs").then(async ({ runChecks, resultLine }) => {
  const result = await runChecks(api, { baseUrl, runtime });
  result.entry = require.resolve("altpay-oauth").split("/").pop();
  console.log(resultLine(result));
});
