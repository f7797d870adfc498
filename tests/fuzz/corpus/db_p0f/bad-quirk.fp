; p0f-style signatures written for the fuzz corpus

classes = win,unix,other

[tcp:request]
label = s:unix:Linux:1
sig = *:64:0:*:mss*20,10:mss:what:0
