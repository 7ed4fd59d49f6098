// Swagger UI for /api/v1/docs, served from our own files (no CDN, no inline script).
(function () {
  "use strict";
  var el = document.getElementById("swagger-ui");
  window.SwaggerUIBundle({ url: el.getAttribute("data-openapi-url"), dom_id: "#swagger-ui",
    presets: [window.SwaggerUIBundle.presets.apis], layout: "BaseLayout", deepLinking: true });
}());
