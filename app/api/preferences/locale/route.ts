import { NextResponse } from "next/server";
import { z } from "zod";
import { publicRoute } from "@/lib/http/route";
import { requestIsHttps } from "@/lib/http/client-address";
import { cookieSecure } from "@/lib/auth/session";
import { LOCALE_COOKIE, LOCALE_COOKIE_MAX_AGE_SECONDS, LOCALES } from "@/lib/i18n/config";
import { LocaleResponseSchema } from "@/lib/contracts/api/account";

const LocalePreferenceSchema = z.strictObject({ locale: z.enum(LOCALES) });

/**
 * Stores the interface language in the `vd_locale` cookie. No sign-in needed:
 * the login page has a language switch too. publicRoute refuses cross-site
 * requests and anything but a small JSON body.
 */
export const POST = publicRoute(
  {
    responses: { 200: LocaleResponseSchema },
    body: LocalePreferenceSchema,
    maxBodyBytes: 256,
  },
  async ({ req, body }) => {
    const res = NextResponse.json({ locale: body.locale }, { headers: { "cache-control": "no-store" } });
    res.cookies.set(LOCALE_COOKIE, body.locale, {
      path: "/",
      sameSite: "lax",
      httpOnly: true,
      secure: cookieSecure(requestIsHttps(req.headers, req.url)),
      maxAge: LOCALE_COOKIE_MAX_AGE_SECONDS,
    });
    return res;
  },
);
