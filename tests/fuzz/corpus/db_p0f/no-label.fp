; p0f-style signatures written for the fuzz corpus

classes = win,unix,other

[tcp:request]
sig = *:64:0:*:mss*20,10:mss,sok,ts,nop,ws:df,id+:0
