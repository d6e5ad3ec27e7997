/**
 * local-aws-sqs 2.0.2 with ReceiveMessage answering as SQS does. Loaded by the local SQS server's
 * process (sqs-server-child.mjs) instead of the package itself; node_modules is not modified.
 *
 * 1. SQS answers a short poll (WaitTimeSeconds 0) at once with what is visible, and a long poll as
 *    soon as a message is visible (or empty when the wait ends). local-aws-sqs scans the queue on a
 *    10 ms tick and holds every receive until the batch is full or the wait plus 40 ms has passed:
 *    a short poll took 13–15 ms with a message waiting and 43–45 ms on an empty queue, and a long
 *    poll for 10 messages with one waiting took the whole wait. Every local job pickup paid that,
 *    which no deployment does (docs/benchmarks.md, provision latency).
 * 2. A message sent without a delay can be received at once. local-aws-sqs marks every new message
 *    delayed and clears the mark on a timer, even for a delay of 0 s: with receives answered at
 *    once (1.), a receive that follows the send by less than a millisecond found the queue empty,
 *    and the local event source, whose wake-up that send was, paused for up to a second.
 *
 * Each fix replaces one piece of the bundle, found by its exact text: another version of the
 * package fails here, loudly, rather than running unfixed.
 */
'use strict';
const { readFileSync } = require('node:fs');
const Module = require('node:module');
const { dirname } = require('node:path');

const entry = require.resolve('local-aws-sqs');

// The queue's private receive (minified): t = wait seconds, e = max messages, i = visibility timeout.
const RECEIVE_AS_SHIPPED =
  'Fs=function(t,e,i){return p(this,null,function*(){let r=[],n,o,a=new Promise(y=>{o=y}),d=0,c;return n=setTimeout(()=>{clearInterval(c),o()},fr+t*1e3),n.unref(),c=setInterval(()=>{d++;for(let y of S(this,E))if(!y.delayed){if(y.visible){l(this,D,Wt).call(this,y,i);let f=ke({},y);f.record=ke({},f.record),f.record.attributes=ke({},f.record.attributes),r.push(f)}if(r.length==e){clearInterval(c),clearTimeout(n),o();break}}},10),c.unref(),yield a,r.map(y=>y.record)})}';

// `take` is the shipped loop body (mark received, copy the record), run at once and then, for a
// long poll on an empty queue, on the same 10 ms tick until a message is taken or the wait ends.
const RECEIVE_AS_SQS =
  'Fs=function(t,e,i){return p(this,null,function*(){let r=[],n,o,a=new Promise(y=>{o=y}),c,take=()=>{for(let y of S(this,E))if(!y.delayed&&y.visible){l(this,D,Wt).call(this,y,i);let f=ke({},y);f.record=ke({},f.record),f.record.attributes=ke({},f.record.attributes),r.push(f);if(r.length>=e)break}return r.length>0};if(take()||!(t>0))return r.map(y=>y.record);return n=setTimeout(()=>{clearInterval(c),o()},t*1e3),n.unref(),c=setInterval(()=>{take()&&(clearInterval(c),clearTimeout(n),o())},10),c.unref(),yield a,r.map(y=>y.record)})}';

// A new message (t = record, e = DelaySeconds of the send): delayed only when there is a delay.
const NEW_RECORD_AS_SHIPPED =
  'let i={visible:!0,record:t,delayed:!0},r=(isNaN(e)?this.DelaySeconds:e)*1e3;return S(this,E).push(i),ie(this,ge)._++,setTimeout(()=>{i.delayed=!1,ie(this,ge)._--},r).unref(),';
const NEW_RECORD_AS_SQS =
  'let r=(isNaN(e)?this.DelaySeconds:e)*1e3,i={visible:!0,record:t,delayed:r>0};return S(this,E).push(i),r>0&&(ie(this,ge)._++,setTimeout(()=>{i.delayed=!1,ie(this,ge)._--},r).unref()),';

let source = readFileSync(entry, 'utf8');
for (const [shipped, asSqs] of [
  [RECEIVE_AS_SHIPPED, RECEIVE_AS_SQS],
  [NEW_RECORD_AS_SHIPPED, NEW_RECORD_AS_SQS],
]) {
  if (source.split(shipped).length !== 2) {
    throw new Error(
      `${entry} is not the local-aws-sqs 2.0.2 that infra/local/runner/local-aws-sqs.cjs fixes: check whether the new version still needs the fixes, then update or remove them`,
    );
  }
  source = source.replace(shipped, asSqs);
}
const fixed = new Module(entry, module);
fixed.filename = entry;
fixed.paths = Module._nodeModulePaths(dirname(entry));
fixed._compile(source, entry);

module.exports = fixed.exports;
