/** The release this Worker is: package.json's `version`, the one version source (bundled at build time). */
import pkg from "../package.json";

export const SSMD_VERSION: string = pkg.version;
