// Vite's `import.meta.glob` (resolved at build time by vitest), typed for the form these tests use.
interface ImportMeta {
  glob<T = unknown>(pattern: string, options: { eager: true; import: "default" }): Record<string, T>;
}
