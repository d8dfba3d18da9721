export {};
declare module "vitest" {
  export interface ProvidedContext {
    /** Origin (http://127.0.0.1:PORT) of the Kalshi simulator started by test/global-setup.ts. */
    simOrigin: string;
  }
}
