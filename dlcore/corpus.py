"""A small English corpus written for the course (chapter 10): tokenisers and a tiny
transformer train on it. It ships inside the package as a string constant, so nothing is
downloaded. About 6,000 characters of plain ASCII prose in short, regular sentences, so that a
character-level model trained for a few seconds can pick up words and phrases.
"""

__all__ = ["CORPUS", "SAMPLE"]

CORPUS = """\
the lighthouse keeper lived on a small island with a grey cat and a red boat.
every morning the keeper climbed the stairs of the tower and cleaned the great lamp.
every evening the keeper lit the lamp, and the light turned slowly over the dark sea.
the cat sat by the window and watched the boats come home.
the boats came home when they saw the light, and the fishermen waved to the keeper.
one night the wind was strong and the rain was cold.
the keeper climbed the stairs, but the lamp would not light.
the cat followed the keeper up the stairs and sat by the lamp.
the keeper looked at the lamp, and the lamp looked old and tired.
the keeper found a new wick in a wooden box and put it in the lamp.
then the lamp was bright again, and the light turned over the sea.
far away, a small boat saw the light and turned toward the island.
in the morning the fisherman came to the tower to thank the keeper.
he brought a basket of fish for the keeper and a little fish for the cat.
the cat ate the little fish and then slept in the sun.
the keeper and the fisherman sat by the door and talked about the wind.
the wind is strong in winter, said the fisherman, and the sea is wide.
the light is strong too, said the keeper, and the light is always there.
the next day the keeper painted the red boat and the cat watched.
the keeper painted the door of the tower blue and the window white.
the island was small, but the keeper knew every stone and every bird.
the birds sang in the morning and slept in the evening.
the keeper read a book in the evening while the lamp turned above.
the book was about the sea, the stars and the long roads of the ships.
the cat liked the book because the keeper read it aloud.
in spring the keeper planted beans and potatoes in a little garden.
the rain came and the sun came, and the garden grew green and tall.
the cat sat in the garden and watched the bees and the birds.
in summer the children of the village came to the island in a boat.
they climbed the stairs of the tower and looked at the great lamp.
how does the light turn, asked a child, and the keeper showed them the wheel.
the wheel turns the lamp, said the keeper, and the lamp sends the light over the sea.
the children laughed and ran down the stairs to see the cat.
the cat was asleep in the garden, and the children sat by the cat quietly.
in autumn the leaves were red and gold, and the wind came back.
the keeper mended the roof of the little house and cleaned the window of the tower.
the fisherman came with bread and apples, and the keeper made tea.
they sat by the fire and talked about the boats and the fish and the weather.
the fisherman said that the sea was kind this year, and the keeper agreed.
in winter the nights were long, and the light turned for many hours.
the keeper climbed the stairs many times every night to look at the lamp.
the cat slept by the fire, and the snow fell on the island.
one morning the keeper saw a ship near the rocks in the snow.
the keeper ran up the stairs and turned the lamp toward the rocks.
the ship saw the light and turned away from the rocks just in time.
later the captain of the ship sent a letter to the keeper.
thank you for the light, wrote the captain, you saved my ship and my sailors.
the keeper read the letter aloud, and the cat listened by the fire.
the keeper put the letter in the wooden box with the new wicks.
the years went by, and the keeper grew old, and the cat grew old.
a young woman from the village came to help the keeper with the lamp.
she learned to clean the lamp, to light the wick and to turn the wheel.
she learned the names of the birds and the stones and the boats.
the old keeper taught her to read the wind and the clouds and the sea.
when the wind is from the north, said the keeper, the boats come home early.
when the clouds are low, said the keeper, light the lamp before the evening.
the young keeper listened and wrote everything in a little book.
the cat liked the young keeper and sat by her when she read.
one evening the old keeper gave her the key of the tower.
now the light is yours, said the old keeper, keep it bright for the boats.
the young keeper climbed the stairs and lit the lamp, and the light turned over the sea.
far away, the boats saw the light and came home, and the fishermen waved.
the old keeper sat by the door with the cat and watched the light turn.
the light turned and turned, and the sea was quiet, and the island slept.
"""

SAMPLE = "the keeper climbed the stairs and lit the lamp, and the light turned over the sea."
