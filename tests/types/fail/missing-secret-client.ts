// Must NOT compile: TokenClient needs clientSecret too.
import { TokenClient } from "altpay-oauth";
new TokenClient({ clientId: "id", refreshSkewSeconds: 60 }); // error: TS2345
