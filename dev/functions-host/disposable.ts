/**
 * The `Disposable` class the core module must export. `@azure/functions` returns what
 * `registerFunction`/`registerHook` return to app code, so it must behave like the worker's
 * (VS Code style): dispose runs its callback once.
 */
export class Disposable {
  static from(...disposables: { dispose(): unknown }[]): Disposable {
    let pending: { dispose(): unknown }[] | undefined = disposables;
    return new Disposable(() => {
      for (const disposable of pending ?? []) {
        if (typeof disposable?.dispose === 'function') disposable.dispose();
      }
      pending = undefined;
    });
  }

  #callOnDispose: (() => unknown) | undefined;

  constructor(callOnDispose: () => unknown) {
    this.#callOnDispose = callOnDispose;
  }

  dispose(): unknown {
    const callback = this.#callOnDispose;
    this.#callOnDispose = undefined;
    return callback?.();
  }
}
