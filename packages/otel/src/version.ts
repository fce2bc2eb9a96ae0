// The instrumentation scope's name and version (the build writes the version from package.json).

declare const __TIERED_OTEL_VERSION__: string

export const PACKAGE_NAME = '@tiered/otel'
export const PACKAGE_VERSION: string =
  typeof __TIERED_OTEL_VERSION__ === 'string' ? __TIERED_OTEL_VERSION__ : '0.0.0-development'
