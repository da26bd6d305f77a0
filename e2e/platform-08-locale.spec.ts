import { expect, test } from "@playwright/test";
import { baseURL } from "./helpers/session";

const localeCookie = (value: string) => ({ name: "vd_locale", value, url: baseURL() });

test("without a language choice the login page is in English", async ({ page }) => {
  await page.goto("/login");
  await expect(page.locator("html")).toHaveAttribute("lang", "en");
  await expect(page.getByRole("heading", { name: "Sign in to virtdeck" })).toBeVisible();
  await expect(page.getByTestId("login-submit")).toHaveText("Sign in");
});

test("the vd_locale=fr cookie renders the login page in French", async ({ page, context }) => {
  await context.addCookies([localeCookie("fr")]);
  await page.goto("/login");
  await expect(page.locator("html")).toHaveAttribute("lang", "fr");
  await expect(page.getByRole("heading", { name: "Connexion à virtdeck" })).toBeVisible();
  await expect(page.getByLabel("Nom d’utilisateur")).toBeVisible();
  await expect(page.getByLabel("Mot de passe")).toBeVisible();
  await expect(page.getByTestId("login-submit")).toHaveText("Se connecter");
});

test.describe("with a French browser", () => {
  test.use({ locale: "fr-FR" });

  test("Accept-Language picks French, and the cookie's explicit choice wins over it", async ({ page, context }) => {
    await page.goto("/login");
    await expect(page.getByRole("heading", { name: "Connexion à virtdeck" })).toBeVisible();

    await context.addCookies([localeCookie("en")]);
    await page.reload();
    await expect(page.getByRole("heading", { name: "Sign in to virtdeck" })).toBeVisible();
  });
});
