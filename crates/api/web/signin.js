// The sign-in page: checks the token with GET /api/me and opens the page for its role.
"use strict";

(() => {
  const { api, token, describe, notice } = Allot;
  const form = document.getElementById("signin-form");
  const input = document.getElementById("token");
  const button = document.getElementById("signin");

  const destination = (me) => (me.role === "customer" ? "/portal" : "/dashboard");

  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const t = input.value.trim();
    if (!t) return;
    notice("notice", "info", "Checking the token…");
    button.disabled = true;
    try {
      const me = await api("/api/me", { tokenOverride: t });
      token.set(t);
      notice("notice", "ok", `Signed in as ${me.role}${me.customer ? ` for ${me.customer}` : ""}.`);
      location.assign(destination(me));
    } catch (err) {
      token.clear();
      notice("notice", "error", describe(err));
      button.disabled = false;
      input.focus();
    }
  });

  // Already signed in in this tab: go straight on (a stale token just shows the form).
  const existing = token.get();
  if (existing) {
    api("/api/me")
      .then((me) => location.replace(destination(me)))
      .catch(() => token.clear());
  }
  const params = new URLSearchParams(location.search);
  if (params.get("signed_out")) notice("notice", "info", "You are signed out.");
})();
