--[[
  Deletes a session's history, summary, response chain and images; keeps persona, usage and the committed seq
  (prelude.lua runs first).

  Input:
    KEYS[1] history list   <prefix>:{s:<sessionId>}:history
    KEYS[2] meta hash      <prefix>:{s:<sessionId>}:meta
    KEYS[3] images set     <prefix>:{s:<sessionId>}:images   (the image keys it names go with it)
    No ARGV.

  Output: 1, or an error reply (nothing written) when the stored session is corrupt.
]]

local counters, failure = readSession(KEYS[1], KEYS[2])
if failure then return failure end
local imageKeys, imagesFailure = readImageKeys(KEYS[3])
if imagesFailure then return imagesFailure end
deleteImages(KEYS[3], imageKeys)
redis.call('DEL', KEYS[1])
redis.call('HDEL', KEYS[2], 'summary', 'responseId', 'historyTokens')
return 1
