// Every bench reads its options the same way: `--name value`, or the fallback when the flag is absent.
const args = process.argv.slice(2);

export const flag = (name, fallback) => (args.includes(`--${name}`) ? args[args.indexOf(`--${name}`) + 1] : fallback);
