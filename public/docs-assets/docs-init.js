// Renders /api/v1/openapi.json with Swagger UI (kept out of the HTML so no inline script runs).
window.addEventListener("load", function () {
  window.ui = SwaggerUIBundle({
    url: "/api/v1/openapi.json",
    dom_id: "#swagger-ui",
    deepLinking: true,
    persistAuthorization: true,
  });
  document.body.setAttribute("data-docs-ready", "true");
});
