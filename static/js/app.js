// WeBox page behaviour: the live notification socket, the header bell and toasts, the menu toggle,
// selects that submit their form on change (data-autosubmit), forms that ask first (data-confirm,
// the question already translated by the template).
// Pages that want live events listen for the DOM event "webox:event" (detail = the message).
(function () {
  "use strict";

  function setUnread(count) {
    document.querySelectorAll("[data-unread-count]").forEach(function (badge) {
      badge.textContent = String(count);
      badge.hidden = !count;
    });
  }

  function toast(title, body, link) {
    var box = document.querySelector("[data-toasts]");
    if (!box) return;
    var item = document.createElement(link ? "a" : "div");
    item.className = "toast";
    if (link) item.href = link;
    var strong = document.createElement("strong");
    strong.textContent = title;
    item.appendChild(strong);
    if (body) {
      var p = document.createElement("p");
      p.textContent = body;
      item.appendChild(p);
    }
    box.appendChild(item);
    setTimeout(function () { item.remove(); }, 8000);
  }

  function connect(path, attempt) {
    var scheme = location.protocol === "https:" ? "wss://" : "ws://";
    var socket = new WebSocket(scheme + location.host + path);
    socket.onmessage = function (message) {
      var data = JSON.parse(message.data);
      // Live from the hello on: a socket the server accepts and closes at once (1013, Try Again
      // Later: Redis down) keeps the back-off growing.
      if (data.type === "hello") { attempt = 0; document.body.dataset.wsState = "open"; }
      if (typeof data.unread === "number") setUnread(data.unread);
      if (data.type === "notification") toast(data.title, data.body, data.link);
      document.dispatchEvent(new CustomEvent("webox:event", { detail: data }));
    };
    socket.onclose = function (event) {
      document.body.dataset.wsState = "closed";
      if (event.code === 4401) return; // not logged in: do not retry
      // Anything else (1013 while the server's Redis is down, a restart, the network) is retried
      // after 1, 2, 4 … 30 s.
      var delay = Math.min(30000, 1000 * Math.pow(2, attempt));
      setTimeout(function () { connect(path, attempt + 1); }, delay);
    };
  }

  document.addEventListener("DOMContentLoaded", function () {
    var path = document.body.dataset.wsUrl;
    if (path && "WebSocket" in window) connect(path, 0);
    document.querySelectorAll("select[data-autosubmit]").forEach(function (select) {
      select.addEventListener("change", function () { select.form.submit(); });
    });
    var toggle = document.querySelector("[data-nav-toggle]");
    if (toggle) {
      toggle.addEventListener("click", function () {
        var open = toggle.getAttribute("aria-expanded") === "true";
        toggle.setAttribute("aria-expanded", String(!open));
        document.getElementById("nav-links").classList.toggle("open", !open);
      });
    }
  });
  document.addEventListener("submit", function (event) {
    var form = event.target.closest("form[data-confirm]");
    if (form && !window.confirm(form.dataset.confirm)) event.preventDefault();
  });
})();
