/**
 * Preload (`node --import ./bench/bind-loopback.mjs …`) for servers that have no host option
 * (Portkey's gateway binds every interface): every TCP `listen` binds 127.0.0.1 instead.
 */
import net from 'node:net';

const listen = net.Server.prototype.listen;

net.Server.prototype.listen = function listenOnLoopback(...args) {
  const [first] = args;
  if (typeof first === 'number' || (typeof first === 'string' && /^\d+$/.test(first))) {
    const callback = args.find((arg) => typeof arg === 'function');
    const backlog = typeof args[2] === 'number' ? args[2] : undefined;
    return listen.call(this, { port: Number(first), host: '127.0.0.1', backlog }, callback);
  }
  if (typeof first === 'object' && first !== null && first.path === undefined) {
    return listen.call(this, { ...first, host: '127.0.0.1' }, ...args.slice(1));
  }
  return listen.apply(this, args);
};
