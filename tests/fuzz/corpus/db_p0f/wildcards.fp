; p0f-style signatures written for the fuzz corpus

classes = win,unix,other

[tcp:request]
label = s:other:Thing:
sig = *:*:*:*:*,*:mss,nop,eol+1::*
sig = *:255:0:*:mtu*4,4:?5,sack,eol+0::0
