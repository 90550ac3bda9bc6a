// Must NOT compile: a Map is not a Redis client.
import { redisStore } from "altpay-oauth";
redisStore(new Map<string, string>()); // error: TS2345
