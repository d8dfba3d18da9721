/** Swagger UI's files, imported as text (wrangler.toml [[rules]] type "Text"): see src/api/docs.ts. */
declare module "swagger-ui-dist/swagger-ui-bundle.js" {
  const text: string;
  export default text;
}
declare module "swagger-ui-dist/swagger-ui.css" {
  const text: string;
  export default text;
}
