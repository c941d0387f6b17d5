"""The interface in French and Spanish, in the real browser: a visitor whose browser asks for
French reads French pages (tests/test_accessibility.py audits every page kind in French too);
a member then chooses Spanish on /settings, and every page follows their choice rather than
the browser's.

The node is the accessibility audit's (tests/test_accessibility.py): something on every page.
"""

from __future__ import annotations

from tests.browser import browser
from tests.test_accessibility import Scene, scene

__all__ = ["scene"]  # the node with something on every page, shared with the audit

FRENCH_BROWSER = {"Accept-Language": "fr-CA,fr;q=0.9,en;q=0.5"}


async def test_a_french_browser_gets_french_pages(scene: Scene) -> None:
    # (Every page kind passes axe in French too: tests/test_accessibility.py audits both.)
    base = scene.node.base
    async with browser() as page:
        await page.set_extra_http_headers(FRENCH_BROWSER)
        await page.goto(f"{base}/login")
        assert await page.get_attribute("html", "lang") == "fr"
        # The visitor reads French, and signs in through French labels
        await page.get_by_role("link", name="Aller au contenu").wait_for()
        await page.get_by_label("Nom de compte").fill("ada")
        await page.get_by_label("Mot de passe").fill("admin pass 1")
        await page.get_by_role("button", name="Se connecter").click()
        await page.get_by_role("button", name="Se déconnecter").wait_for()
        await page.get_by_role("status").get_by_text("Vous êtes connecté.").wait_for()
        # A notice after an action speaks French too
        await page.goto(f"{base}/t/{scene.thread_id}")
        await page.get_by_text("Animer", exact=True).click()
        await page.get_by_role("button", name="Verrouiller").click()
        await (
            page.get_by_role("status")
            .get_by_text("Le fil est verrouillé\u00a0: il n’accepte plus de réponses.")  # noqa: RUF001
            .wait_for()
        )


async def test_a_member_s_language_wins_over_their_browser_s(scene: Scene) -> None:
    base = scene.node.base
    async with browser() as page:
        await page.set_extra_http_headers(FRENCH_BROWSER)
        await page.goto(f"{base}/login")
        await page.get_by_label("Nom de compte").fill("sam")
        await page.get_by_label("Mot de passe").fill("sam pass 123")
        await page.get_by_role("button", name="Se connecter").click()
        await page.goto(f"{base}/settings")
        await page.get_by_label("La langue de ces pages").select_option("es")
        await page.get_by_role("button", name="Enregistrer la langue").click()
        # The notice after saving, and the page, are in Spanish although the browser asks French
        await (
            page.get_by_role("status")
            .get_by_text("Sus páginas ya están en este idioma.")
            .wait_for()
        )
        assert await page.get_attribute("html", "lang") == "es"
        await page.goto(f"{base}/c/stewards")
        assert await page.get_attribute("html", "lang") == "es"
        await page.get_by_role("heading", name="Hilos").wait_for()
        # Posts keep their own language: the thread's text is not translated
        await page.goto(f"{base}/t/{scene.thread_id}")
        await page.get_by_text("Retention schedules").first.wait_for()
        # Back to the browser's language
        await page.goto(f"{base}/settings")
        await page.get_by_label("El idioma de estas páginas").select_option("")
        await page.get_by_role("button", name="Guardar el idioma").click()
        await (
            page.get_by_role("status")
            .get_by_text("Vos pages suivent désormais la langue de votre navigateur.")
            .wait_for()
        )
        assert await page.get_attribute("html", "lang") == "fr"
