; p0f-style signatures written for the fuzz corpus

classes = win,unix,other

[tcp:request]
label = s:unix:Linux:1
sig = 4:64:0
