/* Starts Swagger UI on /docs (shared/api_docs.py). A file rather than an inline script: the page's CSP
   allows script files of this service only. The viewer reads this service's own /openapi.json, and
   "Try it out" calls this same service (the document names no servers, so the page's own origin). */
(function () {
  "use strict";
  var root = document.getElementById("swagger-ui");
  if (!root || !window.SwaggerUIBundle) { return; }
  window.SwaggerUIBundle({
    url: root.getAttribute("data-openapi-url"),
    domNode: root,
    deepLinking: true,
    // Never send our document to validator.swagger.io: the page talks to this service only.
    validatorUrl: null,
    // The bearer token typed into "Authorize" is kept for this tab only, not in storage.
    persistAuthorization: false,
    displayRequestDuration: true,
    defaultModelsExpandDepth: 0
  });
}());
