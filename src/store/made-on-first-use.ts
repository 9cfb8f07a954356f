/** An object whose properties are made by `makers` when first read, then kept as plain values. */
export function madeOnFirstUse<T extends object>(makers: { [K in keyof T]: () => T[K] }): T {
  const made = {} as T;
  for (const key of Object.keys(makers) as Array<keyof T>) {
    Object.defineProperty(made, key, {
      configurable: true,
      enumerable: true,
      get: () => {
        const value = makers[key]();
        Object.defineProperty(made, key, { value, enumerable: true, writable: true, configurable: true });
        return value;
      },
    });
  }
  return made;
}
