// ESM probe for Node, Deno and Bun: imports the installed package by name.
// usage: <runtime> probe.mjs <baseUrl> <label>
import * as api from "altpay-oauth";
import { runChecks, resultLine } from "./checks.mjs";

const args = globalThis.Deno ? globalThis.Deno.args : globalThis.process.argv.slice(2);
const [baseUrl, runtime] = args;
const result = await runChecks(api, { baseUrl, runtime });
// which file the package's `exports` gave this runtime
result.entry = String(import.meta.resolve("altpay-oauth")).split("/").pop();
console.log(resultLine(result));
