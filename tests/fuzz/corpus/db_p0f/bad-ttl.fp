[tcp:request]
label = s:unix:Linux:1
sig = *:300:0:*:mss*20,10:mss:df:0
